/**
 * A tiny read-only static server for the browser tests: serves the repository root on loopback
 * (an OS-chosen port) with the headers that make a page cross-origin isolated (COOP same-origin,
 * COEP require-corp), so SharedArrayBuffer and worker threads are available as they would be on
 * a well-configured site.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/browser/server.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/** Sent with every response: cross-origin isolation, and no caching between runs. */
const COMMON_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
};

export interface StaticServer {
  /** Base URL, e.g. `http://127.0.0.1:41234/`; paths under it map to files under the root. */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts serving `root` (default: the repository root) read-only on 127.0.0.1, on a free port. */
export async function startStaticServer(root: string = REPO_ROOT): Promise<StaticServer> {
  const realRoot = await realpath(root);
  const server = createServer((req, res) => {
    serve(realRoot, req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, `internal error: ${String(e)}`);
      else res.destroy();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((ok, fail) => {
        server.close((e) => (e ? fail(e) : ok()));
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...COMMON_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...extra });
  res.end(`${text}\n`);
}

async function serve(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, `${req.method} not allowed: this server is read-only`, { Allow: 'GET, HEAD' });
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  } catch {
    return send(res, 400, 'bad request path');
  }
  if (pathname.includes('\0')) return send(res, 400, 'bad request path');
  // Resolve, then follow symlinks, and refuse anything that ends up outside the root.
  const inside = (p: string) => p === root || p.startsWith(root + sep);
  const requested = resolve(root, `.${pathname}`);
  if (!inside(requested)) return send(res, 403, 'outside the served root');
  let file: string;
  try {
    file = await realpath(requested);
  } catch {
    return send(res, 404, `not found: ${pathname}`);
  }
  if (!inside(file)) return send(res, 403, 'outside the served root');
  const info = await stat(file);
  if (!info.isFile()) return send(res, 404, `not a file: ${pathname}`);
  res.writeHead(200, {
    ...COMMON_HEADERS,
    'Content-Type': MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': String(info.size),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((ok, fail) => {
    const stream = createReadStream(file);
    stream.on('error', fail);
    res.on('close', () => {
      stream.destroy();
      ok();
    });
    stream.pipe(res);
  });
}
