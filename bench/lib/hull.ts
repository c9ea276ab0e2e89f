/**
 * The hull CLI as the benchmarks drive it: the built binary as a user runs it (bin/hull → the dist/bundle/ esbuild bundle), a
 * private store per use, and capability detection by `hull <command> --help` exit codes, so
 * scenarios light up as commands land.
 */
import { join } from 'node:path';
import { run, runOk, type RunResult } from './proc.js';

export interface Store {
  root: string;
  runroot: string;
}

export interface HullCli {
  /** argv to start hull with a store: [bin/hull, --root, ..., --runroot, ...]. */
  argv(store: Store, ...args: string[]): string[];
  run(store: Store, args: readonly string[], opts?: { quiet?: boolean; timeoutMs?: number }): Promise<RunResult>;
  runOk(store: Store, args: readonly string[], opts?: { quiet?: boolean; timeoutMs?: number }): Promise<RunResult>;
  /** True when `hull <words> --help` exits 0. */
  has(words: string): Promise<boolean>;
  /** The help text of a command ('' when it does not exist). */
  help(words: string): Promise<string>;
}

export function hullCli(repo: string): HullCli {
  const bin = join(repo, 'bin/hull');
  const helpCache = new Map<string, Promise<RunResult>>();
  const helpOf = (words: string): Promise<RunResult> => {
    let p = helpCache.get(words);
    if (!p) {
      p = run(bin, [...words.split(' ').filter(Boolean), '--help'], { timeoutMs: 20_000 });
      helpCache.set(words, p);
    }
    return p;
  };
  const argv = (store: Store, ...args: string[]): string[] => [bin, '--root', store.root, '--runroot', store.runroot, ...args];
  return {
    argv,
    run: (store, args, opts = {}) => { const [cmd, ...rest] = argv(store, ...args); return run(cmd as string, rest, opts); },
    runOk: (store, args, opts = {}) => { const [cmd, ...rest] = argv(store, ...args); return runOk(cmd as string, rest, opts); },
    has: async (words) => (await helpOf(words)).code === 0,
    help: async (words) => { const r = await helpOf(words); return r.code === 0 ? r.stdout : ''; },
  };
}

export function storeUnder(dir: string): Store {
  return { root: join(dir, 'root'), runroot: join(dir, 'runroot') };
}
