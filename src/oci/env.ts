/** Environment lists as images and containers carry them: "KEY=value" strings, later keys winning. */

export function envKey(entry: string): string {
  const eq = entry.indexOf('=');
  return eq === -1 ? entry : entry.slice(0, eq);
}

/** Merges env lists: later entries replace earlier ones with the same key, keeping first position. */
export function mergeEnv(...lists: string[][]): string[] {
  const out = new Map<string, string>();
  for (const list of lists) for (const entry of list) out.set(envKey(entry), entry);
  return [...out.values()];
}
