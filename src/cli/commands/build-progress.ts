/**
 * Renders a build's events (build/events.ts). The core only emits them; this is the CLI's view.
 *
 * Plain (a pipe or a file), podman's and buildah's lines, so scripts that read theirs read these:
 *   STEP 2/5: RUN make
 *   <the command's output>
 *   --> Using cache 3f1c2a8b9d0e...   (a step taken from the cache: the full ID)
 *   --> 3f1c2a8b9d0e                  (the state after the step)
 *   Successfully tagged app:latest
 *
 * On a terminal, one line per step that printed nothing, its result at the end of the line (as
 * docker build shows steps), and the output of a step between its line and `--> done in 1.2s`:
 *   STEP 1/5: FROM busybox 0.0s
 *   STEP 2/5: COPY . /src CACHED
 *   STEP 3/5: RUN make
 *   <the command's output>
 *   --> done in 4.1s
 * The step line is bold and CACHED stands out (no styles with NO_COLOR or TERM=dumb). Nothing is
 * redrawn, so the output of a step is never hidden and a long line may wrap.
 *
 * --quiet prints nothing while the build runs; when a step fails, its output goes to stderr,
 * so the error that follows has its cause beside it.
 *
 * Output a RUN step leaves without a final newline is ended before the next line, so `-->` lines
 * always start a line. A closed stdout or stderr (`hull build . | head`) stops the writing to it,
 * not the build: the build finishes, its steps are cached and its image recorded.
 */
import { displayName } from '../../engine/views.js';
import type { BuildEvent } from '../../build/events.js';

export interface BuildRenderer {
  onEvent(e: BuildEvent): void;
  /** Ends an open line; after a failure (`failed`), --quiet shows the failed step's output. */
  finish(failed: boolean): void;
  /** Writes a line to stdout (the image ID at the end). */
  line(text: string): void;
}

/** A stream that remembers whether its last byte ended a line, and stops writing once it broke. */
class Sink {
  private broken = false;
  atLineStart = true;

  constructor(private readonly stream: NodeJS.WritableStream) {
    // EPIPE and the like arrive as 'error' events after a write: without a listener they crash
    // the process mid-build, leaving the step's mounts for the next build to reap.
    stream.on('error', () => {
      this.broken = true;
    });
  }

  write(chunk: string | Buffer): void {
    if (chunk.length === 0) return;
    this.atLineStart = (typeof chunk === 'string' ? chunk.endsWith('\n') : chunk[chunk.length - 1] === 0x0a);
    if (this.broken) return;
    this.stream.write(chunk);
  }

  endLine(): void {
    if (!this.atLineStart) this.write('\n');
  }
}

export function createBuildRenderer(stdout: NodeJS.WriteStream, stderr: NodeJS.WritableStream, opts: { quiet: boolean; env?: NodeJS.ProcessEnv }): BuildRenderer {
  const out = new Sink(stdout);
  const err = new Sink(stderr);
  if (opts.quiet) return new QuietRenderer(out, err);
  if (!stdout.isTTY) return new PlainRenderer(out, err);
  const env = opts.env ?? process.env;
  return new TerminalRenderer(out, err, !env.NO_COLOR && env.TERM !== 'dumb');
}

abstract class Renderer implements BuildRenderer {
  constructor(
    protected readonly out: Sink,
    protected readonly err: Sink,
  ) {}

  abstract onEvent(e: BuildEvent): void;

  /** Ends lines a step's output left open, on both streams (they often share a terminal). */
  protected endOutput(): void {
    this.out.endLine();
    this.err.endLine();
  }

  /** Warnings go to stderr in every mode, as docker prints them. */
  protected warn(e: BuildEvent): boolean {
    if (e.type !== 'warning') return false;
    this.endOutput();
    this.err.write(`[Warning] ${e.text}\n`);
    return true;
  }

  protected output(e: Extract<BuildEvent, { type: 'output' }>): void {
    (e.stream === 'stdout' ? this.out : this.err).write(e.data);
  }

  finish(_failed: boolean): void {
    this.endOutput();
  }

  line(text: string): void {
    this.endOutput();
    this.out.write(`${text}\n`);
  }
}

class PlainRenderer extends Renderer {
  onEvent(e: BuildEvent): void {
    if (this.warn(e)) return;
    switch (e.type) {
      case 'step':
        this.line(`STEP ${e.step}/${e.total}: ${e.text}`);
        break;
      case 'cached':
        this.line(`--> Using cache ${e.id.slice(7)}`);
        this.line(`--> ${e.id.slice(7, 19)}`);
        break;
      case 'done':
        this.line(`--> ${e.id.slice(7, 19)}`);
        break;
      case 'output':
        this.output(e);
        break;
      case 'pull':
        this.line(`Pulling ${e.image}`);
        break;
      case 'image':
        for (const n of e.names) this.line(`Successfully tagged ${displayName(n)}`);
        break;
      case 'skip-stage':
        break;
    }
  }
}

class TerminalRenderer extends Renderer {
  /** The step line is written and waits for its result. */
  private open = false;
  private started = 0;

  constructor(out: Sink, err: Sink, private readonly styled: boolean) {
    super(out, err);
  }

  private style(code: number, end: number, text: string): string {
    return this.styled ? `\x1b[${code}m${text}\x1b[${end}m` : text;
  }

  private close(suffix = ''): void {
    if (!this.open) return;
    this.open = false;
    this.out.write(`${suffix}\n`);
  }

  /** Since the step (or the ONBUILD trigger before) started. */
  private elapsed(): string {
    const now = Date.now();
    const text = `${((now - this.started) / 1000).toFixed(1)}s`;
    this.started = now;
    return text;
  }

  onEvent(e: BuildEvent): void {
    if (this.warn(e)) return;
    switch (e.type) {
      case 'step':
        this.close();
        this.endOutput();
        this.out.write(`${this.style(1, 22, `STEP ${e.step}/${e.total}:`)} ${e.text}`);
        this.open = true;
        this.started = Date.now();
        break;
      case 'cached':
        if (this.open) this.close(` ${this.style(36, 39, 'CACHED')}`);
        else this.line(`--> ${this.style(36, 39, 'CACHED')}`); // an ONBUILD trigger, after its FROM's line
        break;
      case 'done':
        if (this.open) this.close(` ${this.style(2, 22, this.elapsed())}`);
        else this.line(this.style(2, 22, `--> done in ${this.elapsed()}`));
        break;
      case 'output':
        this.close();
        this.output(e);
        break;
      case 'pull':
        this.close();
        this.line(`Pulling ${e.image}`);
        break;
      case 'image':
        this.close();
        for (const n of e.names) this.line(`Successfully tagged ${displayName(n)}`);
        break;
      case 'skip-stage':
        break;
    }
  }

  override finish(failed: boolean): void {
    this.close();
    super.finish(failed);
  }
}

/** What --quiet keeps of a step's output: its last 256 KiB (a failure's cause is near the end). */
const QUIET_KEEP = 256 << 10;

/** Keeps the current step's output, shown only if the build fails. */
class QuietRenderer extends Renderer {
  private kept: Buffer[] = [];
  private size = 0;

  onEvent(e: BuildEvent): void {
    if (this.warn(e)) return;
    if (e.type === 'step') {
      this.kept = [];
      this.size = 0;
    } else if (e.type === 'output') {
      this.kept.push(e.data);
      this.size += e.data.length;
      while (this.size - (this.kept[0]?.length ?? 0) >= QUIET_KEEP) this.size -= this.kept.shift()?.length ?? 0;
    }
  }

  override finish(failed: boolean): void {
    if (failed) for (const data of this.kept) this.err.write(data);
    this.kept = [];
    this.size = 0;
    this.err.endLine();
  }
}
