/**
 * Runs one task per service as soon as the tasks it waits for have finished — a graph, not level
 * barriers: with a -> b and a -> c -> d, d waits for c only, never for an unrelated slow b. `up`
 * waits for dependencies (they start first), `down` for dependants (they stop first). A failed task
 * fails every task waiting on it; all tasks settle before the first failure is thrown, so nothing
 * is left running unobserved. The caller has refused cycles already (order.ts, startOrder).
 */
export async function runGraph(names: readonly string[], waitsFor: (name: string) => readonly string[], task: (name: string) => Promise<void>): Promise<void> {
  const known = new Set(names);
  const started = new Map<string, Promise<void>>();
  const run = (name: string, path: readonly string[]): Promise<void> => {
    const existing = started.get(name);
    if (existing) return existing;
    if (path.includes(name)) throw new Error(`compose: services wait for each other in a cycle: ${[...path, name].join(' -> ')}`);
    const before = waitsFor(name).filter((d) => known.has(d) && d !== name).map((d) => run(d, [...path, name]));
    const p = Promise.all(before).then(() => task(name));
    started.set(name, p);
    return p;
  };
  await settleAll(names.map((n) => run(n, [])));
}

/** Waits for every task (none is left running unobserved), then throws the first failure. */
export async function settleAll(tasks: readonly Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
