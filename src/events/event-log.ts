/**
 * The event log behind `hull events`: what happened to containers, images and volumes, as docker's
 * events API reports it. No daemon keeps it in memory; every hull process appends a JSON line.
 *
 *   <root>/events.log     version 1: one {"time","timeNano","Type","Action","Actor":{ID,Attributes}} per line
 *   <root>/events.log.1   the previous file, once the current one passed MAX_BYTES
 *
 * A line is written with one O_APPEND write, so concurrent writers never interleave inside a line.
 */
import { appendFileSync, createReadStream, existsSync, readFileSync, renameSync, statSync, watch } from 'node:fs';
import { join } from 'node:path';

export type EventType = 'container' | 'image' | 'volume' | 'network' | 'pod';

export interface HullEvent {
  Type: EventType;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
  timeNano: number;
}

const MAX_BYTES = 4 * 1024 * 1024;

export class EventLog {
  readonly path: string;

  constructor(root: string) {
    this.path = join(root, 'events.log');
  }

  emit(type: EventType, action: string, id: string, attributes: Record<string, string> = {}): void {
    // timeOrigin + now() is monotonic within a process (Date.now() plus an hrtime fraction was not).
    const nanos = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
    const event: HullEvent = { Type: type, Action: action, Actor: { ID: id, Attributes: attributes }, time: Math.floor(Number(nanos / 1_000_000_000n)), timeNano: Number(nanos) };
    try {
      if (existsSync(this.path) && statSync(this.path).size > MAX_BYTES) renameSync(this.path, `${this.path}.1`);
      appendFileSync(this.path, JSON.stringify(event) + '\n');
    } catch {
      // Events are a record, not a transaction: failing to write one never fails the operation.
    }
  }

  /**
   * Docker's event stream: with `since`, the recorded events from then on first; then new ones as
   * any hull process records them, until `until` passes or `signal` aborts. Without `since`, only
   * new events, as docker does.
   */
  async stream(filter: EventFilter, onEvent: (e: HullEvent) => void, signal?: AbortSignal): Promise<void> {
    const show = (e: HullEvent) => {
      if (matchEvent(e, filter)) onEvent(e);
    };
    let offset = existsSync(this.path) ? statSync(this.path).size : 0;
    if (filter.since !== undefined) for (const e of this.read()) show(e);
    if (filter.until !== undefined && filter.until <= Date.now()) return;
    let carry = '';
    while (!signal?.aborted) {
      const size = existsSync(this.path) ? statSync(this.path).size : 0;
      if (size < offset) offset = 0; // rotated
      if (size > offset) {
        const chunks: Buffer[] = [];
        for await (const c of createReadStream(this.path, { start: offset, end: size - 1 })) chunks.push(c as Buffer);
        offset = size;
        const text = carry + Buffer.concat(chunks).toString();
        carry = text.slice(text.lastIndexOf('\n') + 1);
        for (const e of parseEvents(text.slice(0, text.lastIndexOf('\n') + 1))) show(e);
      }
      if (filter.until !== undefined && Date.now() > filter.until) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 500);
        const watcher = existsSync(this.path) ? watch(this.path, done) : undefined;
        signal?.addEventListener('abort', done, { once: true });
        function done() {
          clearTimeout(timer);
          watcher?.close();
          signal?.removeEventListener('abort', done);
          resolve();
        }
      });
    }
  }

  /** Events from the previous and current file, oldest first. */
  read(): HullEvent[] {
    return [`${this.path}.1`, this.path].flatMap((p) => (existsSync(p) ? parseEvents(readFileSync(p, 'utf8')) : []));
  }
}

export function parseEvents(text: string): HullEvent[] {
  return text.split('\n').flatMap((line) => {
    if (line === '') return [];
    try {
      return [JSON.parse(line) as HullEvent];
    } catch {
      return []; // a torn last line from a crash
    }
  });
}

export interface EventFilter {
  since?: number;
  until?: number;
  /** docker's --filter: type=, event=, container=, image=, label= ... matched against Actor. */
  filters?: Array<[string, string]>;
}

/** Pure: docker's filter semantics: the same key ORs its values, different keys AND. */
export function matchEvent(e: HullEvent, f: EventFilter): boolean {
  const ms = e.timeNano / 1e6;
  if (f.since !== undefined && ms < f.since) return false;
  if (f.until !== undefined && ms > f.until) return false;
  const byKey = new Map<string, string[]>();
  for (const [k, v] of f.filters ?? []) byKey.set(k, [...(byKey.get(k) ?? []), v]);
  for (const [key, values] of byKey) {
    const ok = values.some((v) => {
      switch (key) {
        case 'type':
          return e.Type === v;
        case 'event':
          return e.Action === v;
        case 'container':
        case 'image':
        case 'volume':
        case 'network':
        case 'pod':
          return e.Type === key && (e.Actor.ID.startsWith(v) || e.Actor.Attributes.name === v);
        case 'label': {
          const [lk, lv] = v.split('=');
          return lk !== undefined && (lv === undefined ? lk in e.Actor.Attributes : e.Actor.Attributes[lk] === lv);
        }
        default:
          return false;
      }
    });
    if (!ok) return false;
  }
  return true;
}
