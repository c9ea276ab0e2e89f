/** What every scenario gets: options, the tools, the corpus, the registries, a scratch area. */
import type { Corpus } from '../corpus/corpus.js';
import type { HullCli, Store } from './hull.js';
import type { Peers } from './peers.js';
import type { RunningRegistry } from './registries.js';
import type { ScenarioResult } from './result.js';

export interface BenchContext {
  quick: boolean;
  repo: string;
  /** Scratch directory of this run on the bench filesystem. */
  scratch: string;
  hull: HullCli;
  peers: Peers;
  corpus: Corpus;
  /** The reference registry holding the corpus (docker-registry). */
  registry: RunningRegistry;
  /** Iteration count: `full` normally, `quick` with --quick. */
  n(full: number, quick: number): number;
  /** A fresh, empty store directory under the scratch area. */
  freshStore(name: string): Store;
  /** Deletes a store, unmounting what is mounted below it. */
  dropStore(store: Store): Promise<void>;
  log(line: string): void;
}

export interface Scenario {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<Omit<ScenarioResult, 'name' | 'title' | 'seconds'>>;
}

/** The reference of a corpus image in the reference registry. */
export function refOf(ctx: BenchContext, image: string): string {
  return `${ctx.registry.host}/bench/${image}:latest`;
}
