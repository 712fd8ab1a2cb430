/**
 * Static memory planning: every buffer gets a byte offset in one arena. Constants, inputs and
 * outputs live for the whole run; temps live from the launch that first touches them to the last
 * one, and temps whose lifetimes do not overlap share space. Two placements are tried — largest
 * first at the lowest free offset, and a two-ended one capped at the most bytes ever live at once
 * (optimal for chains of activations) — and the smaller peak wins.
 */
import { type BufferDecl, KilnError, type Program, byteSize } from '../ir/index.js';

/** Offsets are multiples of 16 bytes so SIMD loads of a buffer's start are aligned. */
export const ARENA_ALIGN = 16;

export interface MemoryStats {
  /** Total arena size. */
  arenaBytes: number;
  /** Constants + inputs + outputs. */
  staticBytes: number;
  /** Peak bytes of temps as planned. */
  tempBytes: number;
  /** What the temps would take with no reuse (the sum of their sizes). */
  naiveTempBytes: number;
}

const align = (n: number) => Math.ceil(n / ARENA_ALIGN) * ARENA_ALIGN;
const bytesOf = (b: BufferDecl) => align(b.size * byteSize(b.dtype));

interface Interval {
  start: number;
  end: number;
}

/** First and last launch index using each buffer. */
export function bufferLifetimes(p: Program): Map<string, Interval> {
  const life = new Map<string, Interval>();
  p.launches.forEach((l, i) => {
    for (const name of l.args) {
      const cur = life.get(name);
      life.set(name, cur ? { start: cur.start, end: i } : { start: i, end: i });
    }
  });
  return life;
}

interface TempSlot {
  name: string;
  bytes: number;
  life: Interval;
}

type Placement = Map<string, number>;

const liveTogether = (a: Interval, b: Interval) => a.start <= b.end && b.start <= a.end;

/** Largest-first, each at the lowest offset free for its whole lifetime. */
function placeBySize(temps: readonly TempSlot[]): Placement {
  const placed: { offset: number; slot: TempSlot }[] = [];
  const out: Placement = new Map();
  for (const t of [...temps].sort((x, y) => y.bytes - x.bytes || x.name.localeCompare(y.name))) {
    const busy = placed.filter((q) => liveTogether(q.slot.life, t.life)).sort((x, y) => x.offset - y.offset);
    let offset = 0;
    for (const q of busy) {
      if (offset + t.bytes <= q.offset) break;
      offset = Math.max(offset, q.offset + q.slot.bytes);
    }
    placed.push({ offset, slot: t });
    out.set(t.name, offset);
  }
  return out;
}

/**
 * In order of first use, each temp goes to the bottom or the top of an arena of `cap` bytes,
 * opposite the latest-placed temp it is live with, so a chain of activations ping-pongs between
 * the two ends. Undefined when something does not fit under the cap.
 */
function placeTwoEnded(temps: readonly TempSlot[], cap: number): Placement | undefined {
  const placed: { offset: number; slot: TempSlot; top: boolean }[] = [];
  const out: Placement = new Map();
  for (const t of [...temps].sort((x, y) => x.life.start - y.life.start || y.bytes - x.bytes)) {
    const busy = placed.filter((q) => liveTogether(q.slot.life, t.life));
    const free = (o: number) => o >= 0 && o + t.bytes <= cap && busy.every((q) => o + t.bytes <= q.offset || q.offset + q.slot.bytes <= o);
    const candidates = [0, cap - t.bytes, ...busy.flatMap((q) => [q.offset + q.slot.bytes, q.offset - t.bytes])].filter(free);
    if (!candidates.length) return undefined;
    const last = busy[busy.length - 1];
    const wantTop = last ? !last.top : false;
    const offset = wantTop ? Math.max(...candidates) : Math.min(...candidates);
    placed.push({ offset, slot: t, top: offset + t.bytes > cap / 2 });
    out.set(t.name, offset);
  }
  return out;
}

const peakOf = (temps: readonly TempSlot[], p: Placement) => Math.max(0, ...temps.map((t) => p.get(t.name)! + t.bytes));

export function planMemory(p: Program): { program: Program; stats: MemoryStats } {
  const offsets = new Map<string, number>();
  let cursor = 0;
  for (const role of ['constant', 'input', 'output'] as const) {
    for (const b of p.buffers) {
      if (b.role !== role) continue;
      offsets.set(b.name, cursor);
      cursor += bytesOf(b);
    }
  }
  const staticBytes = cursor;
  const life = bufferLifetimes(p);
  const temps: TempSlot[] = p.buffers.filter((b) => b.role === 'temp').map((b) => {
    const lt = life.get(b.name);
    if (!lt) throw new KilnError(`planMemory: temp buffer %${b.name} is never used by a launch`);
    return { name: b.name, bytes: bytesOf(b), life: lt };
  });
  // No plan can beat the most bytes live at one launch; try to reach it, else take the best found.
  const lowerBound = Math.max(0, ...p.launches.map((_, i) => temps.filter((t) => t.life.start <= i && i <= t.life.end).reduce((s, t) => s + t.bytes, 0)));
  const bySize = placeBySize(temps);
  const twoEnded = placeTwoEnded(temps, lowerBound);
  const plan = twoEnded && peakOf(temps, twoEnded) <= peakOf(temps, bySize) ? twoEnded : bySize;
  const tempPeak = peakOf(temps, plan);
  for (const t of temps) offsets.set(t.name, staticBytes + plan.get(t.name)!);
  const naiveTempBytes = temps.reduce((s, t) => s + t.bytes, 0);
  const arenaBytes = staticBytes + tempPeak;
  const buffers = p.buffers.map((b) => ({ ...b, offset: offsets.get(b.name)! }));
  return {
    program: { ...p, buffers, arenaBytes },
    stats: { arenaBytes, staticBytes, tempBytes: tempPeak, naiveTempBytes },
  };
}
