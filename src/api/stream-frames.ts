/**
 * Docker's multiplexed stream (attach, exec, logs without a TTY): each chunk is framed as
 * [stream (1 stdout, 2 stderr), 0, 0, 0, size as uint32 big-endian] followed by the bytes.
 */
export function muxFrame(stream: 1 | 2, bytes: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(bytes.length, 4);
  return Buffer.concat([header, bytes]);
}
