import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

it('runs the README example as written with plain node, importing the built package', () => {
  expect(existsSync(`${root}dist/frontend/index.js`), 'dist/ is built by `npm install` (prepare) and by `npm test`').toBe(true);
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const code = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(code).toBeDefined();
  // Inside the package, so `import ... from 'kiln'` resolves through package.json "exports".
  const file = `${root}dist/readme-example.mjs`;
  writeFileSync(file, code!);
  try {
    const out = execFileSync(process.execPath, [file], { encoding: 'utf8' });
    expect(out).toContain('[ 2, 3 ]');
    expect(out).toContain('graph @');
    expect(out).toContain('dot_general');
  } finally {
    rmSync(file);
  }
});
