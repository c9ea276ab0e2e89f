/** Reading the first bytes of a stream (to tell its format by magic) without losing them. */
import { Readable } from 'node:stream';

/** The first `n` bytes (fewer if the stream is shorter) and a stream of all of it, those included. */
export async function peekStream(input: Readable | NodeJS.ReadableStream, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const it = (input as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < n) {
    const r = await it.next();
    if (r.done === true) break;
    const b = typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    chunks.push(b);
    length += b.length;
  }
  const first = Buffer.concat(chunks);
  async function* all(): AsyncGenerator<Buffer> {
    if (first.length > 0) yield first;
    for (let r = await it.next(); r.done !== true; r = await it.next()) yield typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
  }
  return { head: first.subarray(0, n), stream: Readable.from(all(), { objectMode: false }) };
}
