/**
 * Reading container logs written by conmon in the k8s-file format, one line per record:
 *   2026-11-22T14:36:07.642272080+00:00 stdout F out1
 * F ends a line, P is a partial line continued by the next record of the same stream.
 */
import { createReadStream, existsSync, readFileSync, statSync, watch } from 'node:fs';

export interface LogRecord {
  time: string;
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Pure: parses log text into whole lines (partials joined). */
export function parseK8sLog(text: string): LogRecord[] {
  const out: LogRecord[] = [];
  const partial: Partial<Record<'stdout' | 'stderr', LogRecord>> = {};
  for (const line of text.split('\n')) {
    // `s`: a terminal's lines end in \r, which `.` alone would not match.
    const m = /^(\S+) (stdout|stderr) ([FP]) ?(.*)$/s.exec(line);
    if (!m) continue;
    const stream = m[2] as 'stdout' | 'stderr';
    const pending = partial[stream];
    const record: LogRecord = pending ? { ...pending, text: pending.text + (m[4] as string) } : { time: m[1] as string, stream, text: m[4] as string };
    if (m[3] === 'P') partial[stream] = record;
    else {
      delete partial[stream];
      out.push({ ...record, text: record.text + '\n' });
    }
  }
  // Output that ended without a newline (the container exited mid-line) is still shown.
  for (const r of Object.values(partial)) if (r) out.push(r);
  return out.sort((a, b) => a.time.localeCompare(b.time));
}

export interface LogOptions {
  tail?: number;
  /** Only records at or after this time (ms since epoch). */
  since?: number;
  until?: number;
  timestamps?: boolean;
}

/** docker's --since/--until: RFC 3339, a Unix timestamp, or a duration such as 10m or 1h30m. */
export function parseLogTime(value: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const duration = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(value);
  if (duration && value !== '') return now - ((Number(duration[1] ?? 0) * 60 + Number(duration[2] ?? 0)) * 60 + Number(duration[3] ?? 0)) * 1000;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new Error(`invalid time "${value}": expected RFC 3339, a Unix timestamp or a duration like 10m`);
  return t;
}

export function selectLogs(records: LogRecord[], o: LogOptions): LogRecord[] {
  let r = records;
  if (o.since !== undefined) r = r.filter((x) => Date.parse(x.time) >= (o.since as number));
  if (o.until !== undefined) r = r.filter((x) => Date.parse(x.time) <= (o.until as number));
  if (o.tail !== undefined && o.tail >= 0) r = r.slice(Math.max(0, r.length - o.tail));
  return r;
}

export function formatLog(r: LogRecord, timestamps: boolean): string {
  return timestamps ? `${r.time.replace(/\+00:00$/, 'Z')} ${r.text}` : r.text;
}

export function readLogs(path: string): LogRecord[] {
  return existsSync(path) ? parseK8sLog(readFileSync(path, 'utf8')) : [];
}

/**
 * Follows a log file from byte `offset`, calling `onText` with new complete lines, until
 * `stop()` resolves true (checked on each change and every 250 ms as a safety net).
 */
export async function followLog(path: string, offset: number, onRecord: (r: LogRecord) => void, stop: () => boolean): Promise<void> {
  let position = offset;
  let carry = '';
  const drain = async () => {
    if (!existsSync(path)) return;
    const size = statSync(path).size;
    if (size < position) position = 0; // truncated by rotation
    if (size === position) return;
    const chunks: Buffer[] = [];
    for await (const c of createReadStream(path, { start: position, end: size - 1 })) chunks.push(c as Buffer);
    position = size;
    const text = carry + Buffer.concat(chunks).toString();
    const cut = text.lastIndexOf('\n');
    carry = text.slice(cut + 1);
    for (const r of parseK8sLog(text.slice(0, cut + 1))) onRecord(r);
  };
  let wake: () => void = () => {};
  const watcher = existsSync(path) ? watch(path, () => wake()) : undefined;
  try {
    for (;;) {
      await drain();
      if (stop()) {
        await drain();
        return;
      }
      await new Promise<void>((r) => {
        const timer = setTimeout(r, 250);
        wake = () => {
          clearTimeout(timer);
          r();
        };
      });
    }
  } finally {
    watcher?.close();
  }
}
