/**
 * A server-side SPDY/3.1 session over an upgraded HTTP/1.1 socket, as Kubernetes' clients speak it
 * (client-go over moby/spdystream): the client opens every stream (SYN_STREAM with its headers,
 * e.g. `streamtype: stdout`); the server answers each with an empty SYN_REPLY, then both sides
 * send DATA frames, and FIN half-closes a stream. Closing sends GOAWAY and ends the socket.
 *
 * Header blocks are one zlib stream per direction, primed with the SPDY/3 dictionary and flushed
 * with Z_SYNC_FLUSH after each block (section 2.6.10.1), so compression runs in frame order.
 *
 * Flow control: spdystream neither sends nor honours WINDOW_UPDATE (it has no flow control), so
 * the session does not hold data back for windows; the socket's own backpressure paces writers.
 */
import { Duplex } from 'node:stream';
import { EventEmitter } from 'node:events';
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import type { Socket } from 'node:net';
import { SPDY3_DICTIONARY } from './spdy-dictionary.js';
import {
  decodeHeaderBlock, encodeData, encodeGoAway, encodeHeaderBlock, encodePing, encodeRstStream, encodeSynReply, encodeSynStream,
  parseFrames, RST_PROTOCOL_ERROR, SpdyProtocolError, type SpdyFrame,
} from './spdy-frames.js';

/** Buffered input beyond this closes the connection: no frame here comes near it. */
const MAX_PENDING = 32 << 20;
/** conmon reads 8 KiB at a time; DATA frames of up to 32 KiB keep frame overhead small. */
const MAX_DATA_FRAME = 32 << 10;

/** Runs compression steps one after another and collects each step's output. */
class ZStream {
  private chain: Promise<unknown> = Promise.resolve();
  constructor(private readonly z: Inflate | Deflate) {
    z.on('error', () => {}); // a corrupt block fails its own step (below)
  }
  process(input: Buffer): Promise<Buffer> {
    const step = this.chain.then(() => new Promise<Buffer>((resolve, reject) => {
      const onError = (err: Error) => reject(new SpdyProtocolError(`bad header block: ${err.message}`));
      this.z.once('error', onError);
      this.z.write(input);
      this.z.flush(constants.Z_SYNC_FLUSH, () => {
        this.z.off('error', onError);
        const parts: Buffer[] = [];
        for (let c = this.z.read() as Buffer | null; c !== null; c = this.z.read() as Buffer | null) parts.push(c);
        resolve(Buffer.concat(parts));
      });
    }));
    this.chain = step.catch(() => {});
    return step;
  }
  close(): void {
    this.z.destroy();
  }
}

/** One SPDY stream: readable = what the client sends on it, writable = DATA frames to the client. */
export class SpdyStream extends Duplex {
  private replied = false;
  constructor(private readonly session: SpdySession, readonly id: number, readonly headers: Map<string, string[]>) {
    super({ allowHalfOpen: true });
  }
  /** The first value of a header (names are lower case). */
  header(name: string): string | undefined {
    return this.headers.get(name.toLowerCase())?.[0];
  }
  /** Accepts the stream (an empty SYN_REPLY, what kubelet answers); idempotent. */
  reply(): void {
    if (this.replied) return;
    this.replied = true;
    this.session.sendReply(this.id);
  }
  /** Refuses or aborts the stream. */
  reset(status: number): void {
    this.session.send(encodeRstStream(this.id, status));
    this.destroy();
  }
  override _read(): void {
    // Data is pushed as frames arrive.
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.reply();
    for (let at = 0; at < chunk.length; at += MAX_DATA_FRAME) {
      const last = at + MAX_DATA_FRAME >= chunk.length;
      this.session.send(encodeData(this.id, chunk.subarray(at, at + MAX_DATA_FRAME), false), last ? cb : undefined);
    }
    if (chunk.length === 0) cb();
  }
  override _final(cb: (err?: Error | null) => void): void {
    this.reply();
    this.session.send(encodeData(this.id, Buffer.alloc(0), true), cb);
  }
}

export interface SpdySessionEvents {
  stream: [SpdyStream];
  close: [];
}

export class SpdySession extends EventEmitter<SpdySessionEvents> {
  private pending: Buffer = Buffer.alloc(0);
  private readonly streams = new Map<number, SpdyStream>();
  private readonly inflate = new ZStream(createInflate({ dictionary: SPDY3_DICTIONARY }));
  private readonly deflate = new ZStream(createDeflate({ dictionary: SPDY3_DICTIONARY }));
  /** Outgoing frames in order: a SYN_REPLY waits for its compressed headers, DATA waits behind it. */
  private out: Promise<void> = Promise.resolve();
  /** Incoming frames in order: a SYN_STREAM waits for its headers to inflate. */
  private in: Promise<void> = Promise.resolve();
  private lastStreamId = 0;
  private nextStreamId: number;
  private closed = false;

  /** `client`: this end opens streams with odd ids (a test client); else it is the server. */
  constructor(private readonly socket: Socket | Duplex, head: Buffer = Buffer.alloc(0), private readonly client = false) {
    super();
    this.nextStreamId = client ? 1 : 2;
    socket.on('data', (b: Buffer) => this.onBytes(b));
    // The peer's last frames may still wait in `in` (behind a header block being inflated).
    const gone = () => void (this.in = this.in.then(() => this.onPeerGone()));
    socket.on('end', gone);
    socket.on('close', gone);
    socket.on('error', () => this.onPeerGone());
    if (head.length > 0) this.onBytes(head);
  }

  /** Queues bytes for the socket in order; `cb` runs once they are written (backpressure). */
  send(frame: Buffer | Promise<Buffer>, cb?: (err?: Error | null) => void): void {
    this.out = this.out.then(async () => {
      const bytes = await frame;
      if (this.closed || this.socket.destroyed) return void cb?.();
      await new Promise<void>((resolve) => this.socket.write(bytes, () => resolve()));
      cb?.();
    }, () => void cb?.(new Error('the SPDY connection failed')));
  }

  sendReply(id: number): void {
    this.send(this.deflate.process(encodeHeaderBlock({})).then((block) => encodeSynReply(id, block)));
  }

  /** Opens a stream from this end (a client's streams; the test client uses it). */
  openStream(headers: Record<string, string>): SpdyStream {
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = this.track(id, new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), [v]])));
    stream.reply = () => {}; // the opener never replies
    this.send(this.deflate.process(encodeHeaderBlock(headers)).then((block) => encodeSynStream(id, block)));
    return stream;
  }

  /** Ends the session once queued frames are out: GOAWAY, then the socket closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.send(encodeGoAway(this.lastStreamId));
    await this.out;
    this.closed = true;
    this.socket.end();
    this.finish();
  }

  private track(id: number, headers: Map<string, string[]>): SpdyStream {
    const stream = new SpdyStream(this, id, headers);
    this.streams.set(id, stream);
    stream.on('close', () => this.streams.delete(id));
    return stream;
  }

  private onBytes(b: Buffer): void {
    this.pending = this.pending.length === 0 ? b : Buffer.concat([this.pending, b]);
    if (this.pending.length > MAX_PENDING) return this.fail(new SpdyProtocolError('frame too large'));
    let parsed: ReturnType<typeof parseFrames>;
    try {
      parsed = parseFrames(this.pending);
    } catch (err) {
      return this.fail(err as Error);
    }
    this.pending = Buffer.from(parsed.rest);
    for (const frame of parsed.frames) this.in = this.in.then(() => this.onFrame(frame)).catch((err: Error) => this.fail(err));
  }

  private async onFrame(frame: SpdyFrame): Promise<void> {
    switch (frame.kind) {
      case 'syn_stream': {
        const headers = decodeHeaderBlock(await this.inflate.process(frame.headerBlock));
        if (frame.streamId <= this.lastStreamId || frame.streamId % 2 === (this.client ? 1 : 0)) return this.send(encodeRstStream(frame.streamId, RST_PROTOCOL_ERROR));
        this.lastStreamId = frame.streamId;
        const stream = this.track(frame.streamId, headers);
        if (frame.fin) stream.push(null);
        this.emit('stream', stream);
        return;
      }
      case 'syn_reply':
      case 'headers':
        await this.inflate.process(frame.headerBlock); // keeps the zlib context in step; nothing to act on
        return;
      case 'data': {
        const stream = this.streams.get(frame.streamId);
        if (!stream) return;
        if (frame.data.length > 0) stream.push(Buffer.from(frame.data));
        if (frame.fin) stream.push(null);
        return;
      }
      case 'rst_stream':
        this.streams.get(frame.streamId)?.destroy();
        return;
      case 'ping':
        // Pings the peer started are echoed (a client's have odd ids, a server's even).
        if (frame.id % 2 === (this.client ? 0 : 1)) this.send(encodePing(frame.id));
        return;
      case 'goaway':
        this.onPeerGone();
        return;
      default:
        return;
    }
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.send(encodeGoAway(this.lastStreamId, RST_PROTOCOL_ERROR));
    void this.out.then(() => this.socket.destroy(err));
    this.onPeerGone();
  }

  /** The client left (EOF, GOAWAY, error): every stream ends. */
  private onPeerGone(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    this.finish();
  }

  private finish(): void {
    for (const s of this.streams.values()) {
      s.push(null);
      s.destroy();
    }
    this.streams.clear();
    this.inflate.close();
    this.deflate.close();
    this.emit('close');
  }
}
