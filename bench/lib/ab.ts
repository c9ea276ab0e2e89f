/**
 * Interleaved A/B measurement: warm-ups first (discarded), then rounds A, B, A, B, ... so that
 * drift on the machine (page cache, load, thermal) falls on every side alike.
 */
import { loadavg } from 'node:os';

export interface Side {
  name: string;
  /** One measured operation; returns its cost (ms unless the scenario says otherwise). */
  measure: () => Promise<number>;
}

export interface SideSamples {
  name: string;
  samples: number[];
  /** 1-minute load average when this side's rounds ended. */
  load1: number;
}

export interface InterleaveOptions {
  warmups: number;
  iterations: number;
  onProgress?: (line: string) => void;
}

export async function interleave(sides: readonly Side[], opts: InterleaveOptions): Promise<SideSamples[]> {
  for (let w = 0; w < opts.warmups; w++) for (const side of sides) await side.measure();
  const results = sides.map((s) => ({ name: s.name, samples: [] as number[], load1: 0 }));
  for (let i = 0; i < opts.iterations; i++) {
    for (const [k, side] of sides.entries()) {
      const v = await side.measure();
      const r = results[k] as SideSamples;
      r.samples.push(v);
      r.load1 = loadavg()[0] ?? 0;
    }
    opts.onProgress?.(`  round ${i + 1}/${opts.iterations}: ${results.map((r) => `${r.name} ${(r.samples[i] ?? 0).toFixed(1)}`).join(', ')}`);
  }
  return results;
}

export interface ProbedSides {
  ok: Side[];
  /** Side name → why its first run failed. */
  failed: Map<string, string>;
}

/**
 * Runs each side once (it doubles as a warm-up) and keeps those that work, so that one side that
 * cannot run on this machine (a peer's network mode, say) is reported instead of sinking the case.
 */
export async function probeSides(sides: readonly Side[]): Promise<ProbedSides> {
  const ok: Side[] = [];
  const failed = new Map<string, string>();
  for (const side of sides) {
    try {
      await side.measure();
      ok.push(side);
    } catch (e) {
      failed.set(side.name, (e instanceof Error ? e.message : String(e)).slice(0, 400));
    }
  }
  return { ok, failed };
}
