/**
 * Renders pull/push progress events. On a terminal: one live line per blob, as docker draws them
 * (`3f4ca61aafcd: Downloading [=====>     ]  1.2MB/4.5MB  3.1MB/s`), redrawn in place with ANSI
 * cursor movement at most every 100 ms. Elsewhere: one plain line per finished step, as podman
 * prints (`Copying blob sha256:abc... done`). The core only emits events; this is the CLI's view.
 */
import { shortId } from '../../engine/views.js';
import type { TransferEvent } from '../../registry-client/events.js';
import { humanSize } from '../output.js';

interface Line {
  id: string;
  status: string;
  bytes: number;
  size: number;
  startedAt: number;
  done: boolean;
}

const REDRAW_MS = 100;
const BAR_WIDTH = 40;

export interface ProgressRenderer {
  onEvent(e: TransferEvent): void;
  /** Draws the final state and stops the timer. */
  finish(): void;
}

export function createProgressRenderer(out: NodeJS.WriteStream, mode: 'pull' | 'push', opts: { quiet?: boolean } = {}): ProgressRenderer {
  if (opts.quiet) return { onEvent: () => {}, finish: () => {} };
  return out.isTTY ? new LiveRenderer(out, mode) : new PlainRenderer(out);
}

const VERBS = { pull: { active: 'Downloading', done: 'Download complete', exists: 'Already exists' }, push: { active: 'Pushing', done: 'Pushed', exists: 'Layer already exists' } };

class LiveRenderer implements ProgressRenderer {
  private readonly lines = new Map<string, Line>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;

  constructor(private readonly out: NodeJS.WriteStream, private readonly mode: 'pull' | 'push') {}

  private set(digest: string, patch: Partial<Line>): void {
    const line = this.lines.get(digest) ?? { id: shortId(digest), status: 'Waiting', bytes: 0, size: 0, startedAt: Date.now(), done: false };
    Object.assign(line, patch);
    this.lines.set(digest, line);
    this.dirty = true;
    this.timer ??= setInterval(() => this.draw(), REDRAW_MS).unref();
  }

  onEvent(e: TransferEvent): void {
    const v = VERBS[this.mode];
    switch (e.type) {
      case 'resolved':
        if (e.platform) this.out.write(`Platform ${e.platform}: ${e.digest}\n`);
        break;
      case 'plan':
        for (const b of e.blobs) if (b.role === 'layer') this.set(b.digest, { size: b.size });
        break;
      case 'blob-exists':
        if (this.lines.has(e.digest)) this.set(e.digest, { status: v.exists, done: true });
        break;
      case 'blob-mounted':
        this.set(e.digest, { status: `Mounted from ${e.from}`, done: true });
        break;
      case 'blob-start':
        if (this.lines.has(e.digest)) this.set(e.digest, { status: v.active, startedAt: Date.now() });
        break;
      case 'blob-progress':
        if (this.lines.has(e.digest)) this.set(e.digest, { bytes: e.bytes, size: e.size });
        break;
      case 'blob-retry':
        if (this.lines.has(e.digest)) this.set(e.digest, { status: e.offset > 0 ? `Resuming at ${humanSize(e.offset)}` : 'Retrying' });
        break;
      case 'blob-done':
        if (this.lines.has(e.digest)) this.set(e.digest, { status: v.done, bytes: e.size, done: true });
        break;
      case 'layer-unpacking':
        this.set(e.digest, { status: 'Extracting', done: true });
        break;
      case 'layer-unpacked':
        this.set(e.digest, { status: 'Pull complete', done: true });
        break;
      case 'layer-exists':
        this.set(e.digest, { status: 'Already exists', done: true });
        break;
      case 'retry':
        break;
      case 'manifest-pushed':
      case 'done':
        this.draw();
        break;
    }
  }

  private render(l: Line): string {
    if (l.status !== 'Downloading' && l.status !== 'Pushing' && !l.status.startsWith('Resuming')) return `${l.id}: ${l.status}`;
    const frac = l.size > 0 ? Math.min(1, l.bytes / l.size) : 0;
    const filled = Math.floor(frac * BAR_WIDTH);
    const bar = `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${' '.repeat(BAR_WIDTH - filled)}]`;
    const secs = (Date.now() - l.startedAt) / 1000;
    const speed = secs > 0.2 ? `  ${humanSize(Math.round(l.bytes / secs))}/s` : '';
    return `${l.id}: ${l.status.padEnd(11)} ${bar}  ${humanSize(l.bytes)}/${humanSize(l.size)}${speed}`;
  }

  private draw(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const width = (this.out.columns || 120) - 1;
    let s = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    for (const l of this.lines.values()) s += `\x1b[2K${this.render(l).slice(0, width)}\n`;
    this.drawn = this.lines.size;
    this.out.write(s);
  }

  finish(): void {
    this.dirty = true;
    this.draw();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

class PlainRenderer implements ProgressRenderer {
  private readonly roles = new Map<string, string>();

  constructor(private readonly out: NodeJS.WriteStream) {}

  onEvent(e: TransferEvent): void {
    const what = (digest: string) => `${this.roles.get(digest) === 'config' ? 'config' : 'blob'} ${digest.slice(0, 19)}`;
    switch (e.type) {
      case 'resolved':
        if (e.platform) this.out.write(`Selected ${e.platform}: ${e.digest}\n`);
        break;
      case 'plan':
        for (const b of e.blobs) this.roles.set(b.digest, b.role);
        break;
      case 'blob-exists':
        this.out.write(`Copying ${what(e.digest)}... skipped: already exists\n`);
        break;
      case 'blob-mounted':
        this.out.write(`Copying ${what(e.digest)}... mounted from ${e.from}\n`);
        break;
      case 'blob-retry':
        this.out.write(`Retrying ${what(e.digest)}${e.offset > 0 ? ` from byte ${e.offset}` : ''}: ${e.reason}\n`);
        break;
      case 'retry':
        this.out.write(`Retrying ${e.what} in ${(e.delayMs / 1000).toFixed(1)}s: ${e.reason}\n`);
        break;
      case 'blob-done':
        this.out.write(`Copying ${what(e.digest)}... done ${humanSize(e.size)}\n`);
        break;
      case 'manifest-pushed':
        this.out.write('Writing manifest to image destination\n');
        break;
      default:
        break;
    }
  }

  finish(): void {}
}
