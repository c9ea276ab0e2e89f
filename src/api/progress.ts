/**
 * Docker's JSON progress messages from hull's transfer events (the core emits TransferEvents; this
 * is the API's view of them, as transfer-progress.ts is the CLI's). The docker CLI draws one bar
 * per `id` from `progressDetail` {current,total}; `status` lines without an id print as they are.
 * Shapes follow moby's pkg/jsonmessage (JSONMessage, JSONProgress).
 */
import { shortId, type TransferEvent } from './core.js';

export interface JsonMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
  stream?: string;
  aux?: unknown;
  error?: string;
  errorDetail?: { message: string };
}

/** moby's units.HumanSize: decimal units, 4 significant digits. */
export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${Number(n.toPrecision(4))}${units[i]}`;
}

/** The bar JSONProgress.String draws: 50 columns. */
export function progressBar(current: number, total: number): string {
  if (total <= 0) return `${humanSize(current)}`;
  const width = 50;
  const filled = Math.min(width, Math.floor((current / total) * width));
  const bar = '='.repeat(Math.max(0, filled - 1)) + (filled > 0 ? (filled === width ? '=' : '>') : '') + ' '.repeat(width - filled);
  return `[${bar}] ${humanSize(current).padStart(8)}/${humanSize(total)}`;
}

/**
 * Turns a pull's or push's events into messages. Blob progress is sent when a blob's percentage
 * changes, not for every chunk (a 100 MB layer would otherwise be thousands of lines).
 */
export class TransferMessages {
  private readonly layers = new Set<string>();
  private readonly lastPercent = new Map<string, number>();
  /** Layers already announced as present. */
  private readonly present = new Set<string>();
  /** True once any blob was really transferred ("Downloaded newer image" vs "up to date"). */
  transferred = false;

  constructor(private readonly mode: 'pull' | 'push', private readonly send: (m: JsonMessage) => void) {}

  private line(digest: string, status: string, detail: JsonMessage['progressDetail'] = {}, progress?: string): void {
    this.send({ status, progressDetail: detail, ...(progress !== undefined ? { progress } : {}), id: shortId(digest) });
  }

  onEvent(e: TransferEvent): void {
    const pull = this.mode === 'pull';
    switch (e.type) {
      case 'plan':
        for (const b of e.blobs) {
          if (b.role !== 'layer') continue;
          this.layers.add(b.digest);
          this.line(b.digest, pull ? 'Pulling fs layer' : 'Preparing');
        }
        break;
      case 'blob-exists':
        if (this.layers.has(e.digest)) {
          this.present.add(e.digest);
          this.line(e.digest, pull ? 'Already exists' : 'Layer already exists');
        }
        break;
      case 'blob-mounted':
        this.line(e.digest, `Mounted from ${e.from}`);
        break;
      case 'blob-start':
        this.transferred = true;
        if (this.layers.has(e.digest)) this.line(e.digest, pull ? 'Waiting' : 'Pushing', {});
        break;
      case 'blob-progress': {
        if (!this.layers.has(e.digest)) break;
        const percent = e.size > 0 ? Math.floor((e.bytes / e.size) * 100) : 0;
        if (this.lastPercent.get(e.digest) === percent) break;
        this.lastPercent.set(e.digest, percent);
        this.line(e.digest, pull ? 'Downloading' : 'Pushing', { current: e.bytes, total: e.size }, progressBar(e.bytes, e.size));
        break;
      }
      case 'blob-retry':
        if (this.layers.has(e.digest)) this.line(e.digest, `Retrying (${e.reason})`);
        break;
      case 'blob-done':
        if (!this.layers.has(e.digest)) break;
        if (pull) {
          this.line(e.digest, 'Verifying Checksum');
          this.line(e.digest, 'Download complete');
        } else this.line(e.digest, 'Pushed');
        break;
      case 'layer-unpacking':
        this.line(e.digest, 'Extracting');
        break;
      case 'layer-unpacked':
        this.line(e.digest, 'Pull complete');
        break;
      case 'layer-exists':
        if (!this.present.has(e.digest) && !this.lastPercent.has(e.digest)) this.line(e.digest, 'Already exists');
        break;
      default:
        break;
    }
  }
}

/** The message a failure ends a stream with (the CLI prints `error` and exits 1). */
export function errorMessageLine(message: string): JsonMessage {
  return { errorDetail: { message }, error: message };
}
