/**
 * Kubernetes resource quantities (apimachinery pkg/api/resource/quantity.go): a decimal number,
 * optionally with an exponent (`1e3`), and a suffix — binary `Ki Mi Gi Ti Pi Ei`, decimal
 * `n u m k M G T P E`. cpu "500m" is half a CPU; memory "128Mi" is 134217728 bytes.
 */
const SUFFIX: Record<string, number> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

const QUANTITY_RE = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

/** The quantity's value as a number, or undefined when it is not a quantity. */
export function parseQuantity(q: string | number): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  const m = QUANTITY_RE.exec(q.trim());
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2] !== undefined) return base * 10 ** Number(m[2]);
  return base * (SUFFIX[m[3] ?? ''] as number);
}

/** cpu -> Docker's NanoCpus (1 CPU = 1e9). */
export function cpuToNano(q: string | number): number | undefined {
  const v = parseQuantity(q);
  return v === undefined || v < 0 ? undefined : Math.round(v * 1e9);
}

/** memory -> bytes (rounded up, as the kubelet rounds a fractional byte count). */
export function memoryToBytes(q: string | number): number | undefined {
  const v = parseQuantity(q);
  return v === undefined || v < 0 ? undefined : Math.ceil(v);
}

/** NanoCpus -> the shortest quantity: 500000000 -> "500m", 2e9 -> "2". */
export function nanoToCpu(nano: number): string {
  return nano % 1e9 === 0 ? String(nano / 1e9) : `${Math.round(nano / 1e6)}m`;
}

/** Bytes -> the largest exact binary suffix: 134217728 -> "128Mi". */
export function bytesToMemory(bytes: number): string {
  for (const s of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
    const f = SUFFIX[s] as number;
    if (bytes >= f && bytes % f === 0) return `${bytes / f}${s}`;
  }
  return String(bytes);
}
