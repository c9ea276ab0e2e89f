/**
 * SPDY/3.1 frames (the SPDY Protocol draft 3.1, section 2.2), pure: bytes to frames and back.
 * The session (spdy-session.ts) owns the connection state and the header compression.
 *
 *   control frame:  |1| version (15) = 3 | type (16) | flags (8) | length (24) | data
 *   data frame:     |0| stream id (31)              | flags (8) | length (24) | data
 *
 * Why our own and not an npm package: spdy-transport (node-spdy's) treats SPDY as HTTP and
 * rejects a SYN_STREAM without `:method`/`:path`, which Kubernetes' streams never carry; it is also
 * unmaintained. The frame set used by remote-command and port-forward is small.
 */
export const SPDY_VERSION = 3;
export const FLAG_FIN = 0x01;
const FLAG_UNIDIRECTIONAL = 0x02;
/** Frames beyond this are refused: nothing here carries more than conmon's 8 KiB reads. */
export const MAX_FRAME_LENGTH = 1 << 24;

export const enum ControlType {
  SynStream = 1,
  SynReply = 2,
  RstStream = 3,
  Settings = 4,
  Ping = 6,
  GoAway = 7,
  Headers = 8,
  WindowUpdate = 9,
}

/** RST_STREAM status codes (section 2.6.3). */
export const RST_PROTOCOL_ERROR = 1;
export const RST_REFUSED_STREAM = 3;
export const RST_CANCEL = 5;

export type SpdyFrame =
  | { kind: 'data'; streamId: number; fin: boolean; data: Buffer }
  | { kind: 'syn_stream'; streamId: number; associatedId: number; fin: boolean; unidirectional: boolean; headerBlock: Buffer }
  | { kind: 'syn_reply' | 'headers'; streamId: number; fin: boolean; headerBlock: Buffer }
  | { kind: 'rst_stream'; streamId: number; status: number }
  | { kind: 'ping'; id: number }
  | { kind: 'goaway'; lastGoodStreamId: number; status: number }
  | { kind: 'window_update'; streamId: number; delta: number }
  | { kind: 'ignored'; type: number };

/** Thrown for bytes that are not SPDY/3: the session answers with GOAWAY and closes. */
export class SpdyProtocolError extends Error {}

/** Splits whole frames off the front of `buf`; returns them and the incomplete rest. */
export function parseFrames(buf: Buffer): { frames: SpdyFrame[]; rest: Buffer } {
  const frames: SpdyFrame[] = [];
  let at = 0;
  while (buf.length - at >= 8) {
    const length = buf.readUIntBE(at + 5, 3);
    if (buf.length - at < 8 + length) break;
    frames.push(parseFrame(buf.subarray(at, at + 8 + length)));
    at += 8 + length;
  }
  return { frames, rest: buf.subarray(at) };
}

function parseFrame(f: Buffer): SpdyFrame {
  const flags = f[4] as number;
  const body = f.subarray(8);
  const first = f.readUInt32BE(0);
  if ((first & 0x80000000) === 0) return { kind: 'data', streamId: first & 0x7fffffff, fin: (flags & FLAG_FIN) !== 0, data: body };
  const version = (first >>> 16) & 0x7fff;
  if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
  const type = first & 0xffff;
  const need = (n: number) => {
    if (body.length < n) throw new SpdyProtocolError(`control frame ${type} is ${body.length} bytes, shorter than ${n}`);
  };
  const id = (o: number) => body.readUInt32BE(o) & 0x7fffffff;
  switch (type) {
    case ControlType.SynStream:
      need(10);
      return { kind: 'syn_stream', streamId: id(0), associatedId: id(4), fin: (flags & FLAG_FIN) !== 0, unidirectional: (flags & FLAG_UNIDIRECTIONAL) !== 0, headerBlock: body.subarray(10) };
    case ControlType.SynReply:
    case ControlType.Headers:
      need(4);
      return { kind: type === ControlType.SynReply ? 'syn_reply' : 'headers', streamId: id(0), fin: (flags & FLAG_FIN) !== 0, headerBlock: body.subarray(4) };
    case ControlType.RstStream:
      need(8);
      return { kind: 'rst_stream', streamId: id(0), status: body.readUInt32BE(4) };
    case ControlType.Ping:
      need(4);
      return { kind: 'ping', id: body.readUInt32BE(0) };
    case ControlType.GoAway:
      need(8);
      return { kind: 'goaway', lastGoodStreamId: id(0), status: body.readUInt32BE(4) };
    case ControlType.WindowUpdate:
      need(8);
      return { kind: 'window_update', streamId: id(0), delta: body.readUInt32BE(4) & 0x7fffffff };
    default:
      return { kind: 'ignored', type }; // SETTINGS and unknown types: nothing to act on here
  }
}

function controlFrame(type: ControlType, flags: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(((0x8000 | SPDY_VERSION) << 16 | type) >>> 0, 0);
  head.writeUInt32BE(((flags & 0xff) << 24 | body.length) >>> 0, 4);
  return Buffer.concat([head, body]);
}

const u32 = (...values: number[]) => {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
};

export function encodeData(streamId: number, data: Buffer, fin: boolean): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head.writeUInt32BE(((fin ? FLAG_FIN : 0) << 24 | data.length) >>> 0, 4);
  return Buffer.concat([head, data]);
}

export const encodeSynReply = (streamId: number, headerBlock: Buffer, fin = false) => controlFrame(ControlType.SynReply, fin ? FLAG_FIN : 0, Buffer.concat([u32(streamId), headerBlock]));
export const encodeSynStream = (streamId: number, headerBlock: Buffer, fin = false) => controlFrame(ControlType.SynStream, fin ? FLAG_FIN : 0, Buffer.concat([u32(streamId, 0), Buffer.alloc(2), headerBlock]));
export const encodeRstStream = (streamId: number, status: number) => controlFrame(ControlType.RstStream, 0, u32(streamId, status));
export const encodePing = (id: number) => controlFrame(ControlType.Ping, 0, u32(id));
export const encodeGoAway = (lastGoodStreamId: number, status = 0) => controlFrame(ControlType.GoAway, 0, u32(lastGoodStreamId, status));

/**
 * A header block before compression (section 2.6.10): a count, then length-prefixed names and
 * values; several values of one name are joined by NUL. Names are lower case on the wire.
 */
export function encodeHeaderBlock(headers: Record<string, string | string[]>): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, value] of entries) {
    const n = Buffer.from(name.toLowerCase());
    const v = Buffer.from(Array.isArray(value) ? value.join('\0') : value);
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  let at = 0;
  const take = (): Buffer => {
    if (block.length - at < 4) throw new SpdyProtocolError('header block ends inside a length');
    const n = block.readUInt32BE(at);
    at += 4;
    if (block.length - at < n) throw new SpdyProtocolError('header block ends inside a name or value');
    const s = block.subarray(at, at + n);
    at += n;
    return s;
  };
  if (block.length < 4) throw new SpdyProtocolError('header block has no count');
  const count = block.readUInt32BE(0);
  at = 4;
  for (let i = 0; i < count; i++) {
    const name = take().toString('latin1').toLowerCase();
    const values = take().toString('utf8').split('\0');
    headers.set(name, [...(headers.get(name) ?? []), ...values]);
  }
  return headers;
}
