// Shared helpers for the benchmarks: seeded data, timing (warm-up, then N timed runs chosen to
// fill a time budget, median), output comparison and table printing. No library imports here.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';

// ---------------------------------------------------------------------------------------------
// Seeded data

/** mulberry32: a small, fast 32-bit PRNG; deterministic across runs and machines. */
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uniform(seed, size, lo = 0, hi = 1) {
  const r = rng(seed);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

export function normal(seed, size, std = 1, mean = 0) {
  const r = rng(seed);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i += 2) {
    const u = 1 - r(); // (0, 1]
    const v = r();
    const m = Math.sqrt(-2 * Math.log(u));
    out[i] = mean + std * m * Math.cos(2 * Math.PI * v);
    if (i + 1 < size) out[i + 1] = mean + std * m * Math.sin(2 * Math.PI * v);
  }
  return out;
}

export const sizeOf = (shape) => shape.reduce((a, b) => a * b, 1);

// ---------------------------------------------------------------------------------------------
// Timing

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Times `fn` (sync or async; it must include the read-back of its result). Warm-up: at least
 * `warmup` calls and at least `warmupMs` of calls. Then N timed calls, N chosen from the warm-up
 * speed so that the timed part takes about `targetMs`, clamped to [minRuns, maxRuns].
 * Returns the median and the spread, plus the process CPU time per wall time over the timed
 * runs (about 1 for one busy thread, up to the core count when threads ran in parallel).
 */
export async function measure(fn, { warmup = 2, warmupMs = 300, targetMs = 1500, minRuns = 5, maxRuns = 2000 } = {}) {
  const w0 = performance.now();
  const warmTimes = [];
  while (warmTimes.length < warmup || performance.now() - w0 < warmupMs) {
    const s = performance.now();
    await fn();
    warmTimes.push(performance.now() - s);
    if (warmTimes.length >= 200) break;
  }
  const warmRuns = warmTimes.length;
  // The median warm-up call, so that one slow call (another process taking the core) does not
  // shrink N.
  const estimate = median(warmTimes);
  const n = Math.max(minRuns, Math.min(maxRuns, Math.round(targetMs / Math.max(estimate, 1e-3))));
  const times = new Array(n);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await fn();
    times[i] = performance.now() - s;
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const sorted = [...times].sort((a, b) => a - b);
  return {
    median: median(times),
    min: sorted[0],
    p90: sorted[Math.min(n - 1, Math.floor(n * 0.9))],
    n,
    warmRuns,
    totalMs: wall,
    cpuPerWall: (cpu.user + cpu.system) / 1000 / wall,
  };
}

/** Times one call (e.g. the first, compiling call). Returns [result, ms]. */
export async function timeOnce(fn) {
  const s = performance.now();
  const r = await fn();
  return [r, performance.now() - s];
}

// ---------------------------------------------------------------------------------------------
// Comparison

/**
 * Max |a - b| over all elements (or over `indices` of `a` against the dense `b` when given).
 * A NaN on one side only, or a length mismatch, counts as an infinite difference.
 */
export function maxAbsDiff(a, b) {
  if (a.length !== b.length) return { max: Infinity, at: -1, note: `length ${a.length} vs ${b.length}` };
  let max = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    let d = Math.abs(x - y);
    if (Number.isNaN(d)) d = Number.isNaN(x) && Number.isNaN(y) ? 0 : Infinity;
    if (d > max) {
      max = d;
      at = i;
    }
  }
  return { max, at };
}

/** Max |actual[indices[k]] - values[k]|: compares against a sparse (sampled) reference. */
export function maxAbsDiffAt(actual, indices, values) {
  let max = 0;
  let at = -1;
  for (let k = 0; k < indices.length; k++) {
    const x = actual[indices[k]];
    let d = Math.abs(x - values[k]);
    if (Number.isNaN(d) || x === undefined) d = Infinity;
    if (d > max) {
      max = d;
      at = indices[k];
    }
  }
  return { max, at };
}

// ---------------------------------------------------------------------------------------------
// Formatting

export const fmtMs = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3)) + ' ms';
export const fmtDiff = (d) => (d === 0 ? '0' : Number.isFinite(d) ? d.toExponential(1) : String(d));
export const fmtRatio = (r) => (r >= 10 ? r.toFixed(0) : r.toFixed(2)) + '×';

/** A GitHub-style markdown table. */
export function markdownTable(headers, rows) {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells) => `| ${cells.map((x, c) => String(x ?? '').padEnd(widths[c])).join(' | ')} |`;
  return [line(headers), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

export const loadAverage = () => loadavg().map((x) => x.toFixed(2)).join(' ');

/** Builds a short error description from anything thrown. */
export function errorText(e) {
  const msg = e instanceof Error ? `${e.name === 'Error' ? '' : e.name + ': '}${e.message}` : String(e);
  return msg.split('\n')[0].slice(0, 200);
}

/** `--name=value` / `--flag` command-line arguments as an object; anything else is an error. */
export function parseArgs(argv = process.argv.slice(2)) {
  return Object.fromEntries(argv.map((a) => {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument ${a}`);
    return [m[1], m[2] ?? 'true'];
  }));
}

/** A comma-separated option as a list (undefined when absent). */
export const listArg = (s) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);
