/**
 * Webhook delivery: one queue per endpoint, drained by one sender that POSTs envelopes in order.
 * A failed delivery (network error, timeout, non-2xx) is retried with exponential back-off
 * (backoff, doubling, capped at 60 s) until it succeeds, so a receiver that is down for a while
 * gets every event once it recovers. notify() only enqueues: a request never waits for a
 * receiver. The queue is bounded (maxQueue); past it the oldest events are dropped and logged.
 * Events are kept in memory only: a restart loses what was not yet delivered.
 */
import { errorMessage } from '../../errors.js';
import type { RegistryLogger } from '../log.js';
import { ENVELOPE_MEDIA_TYPE, type RegistryEvent } from './events.js';

export interface NotificationEndpoint {
  name: string;
  url: string;
  headers: Record<string, string[]>;
  timeoutMs: number;
  backoffMs: number;
  /** Events whose action is listed are not sent (e.g. ["pull"]). */
  ignoredActions: string[];
  /** Events whose target media type is listed are not sent. */
  ignoredMediaTypes: string[];
  maxQueue: number;
}

const MAX_BACKOFF_MS = 60_000;
const BATCH = 32;

class EndpointQueue {
  private readonly queue: RegistryEvent[] = [];
  private running = false;
  private readonly stop = new AbortController();

  constructor(
    readonly endpoint: NotificationEndpoint,
    private readonly logger: RegistryLogger,
  ) {}

  push(e: RegistryEvent): void {
    if (this.endpoint.ignoredActions.includes(e.action)) return;
    if (e.target.mediaType && this.endpoint.ignoredMediaTypes.includes(e.target.mediaType)) return;
    this.queue.push(e);
    if (this.queue.length > this.endpoint.maxQueue) {
      this.queue.splice(0, this.queue.length - this.endpoint.maxQueue);
      this.logger({ level: 'warn', msg: 'notification queue full: dropped the oldest events', endpoint: this.endpoint.name });
    }
    if (!this.running) void this.drain();
  }

  private async drain(): Promise<void> {
    this.running = true;
    let delay = this.endpoint.backoffMs;
    while (this.queue.length > 0 && !this.stop.signal.aborted) {
      const batch = this.queue.slice(0, BATCH);
      const error = await this.send(batch);
      if (error === undefined) {
        this.queue.splice(0, batch.length);
        delay = this.endpoint.backoffMs;
        continue;
      }
      this.logger({ level: 'warn', msg: 'notification delivery failed; retrying', endpoint: this.endpoint.name, error, retryInMs: delay });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        timer.unref();
        this.stop.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      delay = Math.min(delay * 2, MAX_BACKOFF_MS);
    }
    this.running = false;
  }

  private async send(events: RegistryEvent[]): Promise<string | undefined> {
    const headers: Record<string, string> = { 'Content-Type': ENVELOPE_MEDIA_TYPE };
    for (const [k, v] of Object.entries(this.endpoint.headers)) headers[k] = v.join(', ');
    try {
      const res = await fetch(this.endpoint.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ events }),
        signal: AbortSignal.any([AbortSignal.timeout(this.endpoint.timeoutMs), this.stop.signal]),
      });
      await res.body?.cancel();
      return res.ok ? undefined : `HTTP ${res.status}`;
    } catch (err) {
      return errorMessage(err);
    }
  }

  close(): void {
    this.stop.abort();
    if (this.queue.length > 0) this.logger({ level: 'warn', msg: 'notifications not delivered at shutdown', endpoint: this.endpoint.name, count: this.queue.length });
  }
}

export class Notifier {
  private readonly queues: EndpointQueue[];

  constructor(endpoints: NotificationEndpoint[], logger: RegistryLogger) {
    this.queues = endpoints.map((e) => new EndpointQueue(e, logger));
  }

  notify(e: RegistryEvent): void {
    for (const q of this.queues) q.push(e);
  }

  close(): void {
    this.queues.forEach((q) => q.close());
  }
}
