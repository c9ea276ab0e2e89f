/** Volume names that containers mount, read from their records' docker-shaped Mounts. */
export function volumesInUse(records: ReadonlyArray<{ Mounts?: ReadonlyArray<{ Type?: string; Name?: string }> }>): Set<string> {
  const names = new Set<string>();
  for (const r of records) for (const m of r.Mounts ?? []) if (m.Type === 'volume' && m.Name) names.add(m.Name);
  return names;
}
