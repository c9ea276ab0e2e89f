import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { deflateSync } from 'node:zlib';
import { SPDY3_DICTIONARY } from './spdy-dictionary.js';
import { decodeHeaderBlock, encodeData, encodeGoAway, encodeHeaderBlock, encodePing, encodeRstStream, encodeSynReply, encodeSynStream, parseFrames, SpdyProtocolError } from './spdy-frames.js';
import { SpdySession } from './spdy-session.js';
import { errorStreamPayload, headerList, negotiateProtocol, resizeDecoder } from './remotecommand.js';
import { expectedStreams } from './spdy-remotecommand.js';
import { checkStreamingRequest, parseStreamOptions, TokenCache } from './requests.js';
import { decodeChannelMessage, encodeChannelMessage } from './websocket.js';
import { parsePort } from './portforward.js';
import { parseQueryPorts } from './websocket-portforward.js';

test('the SPDY/3 header dictionary is the published one (1423 bytes)', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  assert.equal(createHash('sha256').update(SPDY3_DICTIONARY).digest('hex'), '51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02');
});

test('frames round-trip, and partial input waits for the rest', () => {
  const bytes = Buffer.concat([
    encodeSynStream(1, Buffer.from('hb')), encodeSynReply(1, Buffer.from('r'), true), encodeData(1, Buffer.from('hello'), true),
    encodeRstStream(3, 5), encodePing(7), encodeGoAway(9, 0),
  ]);
  const { frames, rest } = parseFrames(bytes.subarray(0, bytes.length - 3));
  assert.equal(rest.length, 16 - 3);
  assert.deepEqual(frames.map((f) => f.kind), ['syn_stream', 'syn_reply', 'data', 'rst_stream', 'ping']);
  const all = parseFrames(bytes).frames;
  assert.deepEqual(all[2], { kind: 'data', streamId: 1, fin: true, data: Buffer.from('hello') });
  assert.deepEqual(all[3], { kind: 'rst_stream', streamId: 3, status: 5 });
  assert.deepEqual(all[5], { kind: 'goaway', lastGoodStreamId: 9, status: 0 });
  const syn = all[0] as { headerBlock: Buffer; streamId: number };
  assert.equal(syn.streamId, 1);
  assert.equal(syn.headerBlock.toString(), 'hb');
});

test('a frame of another SPDY version is a protocol error', () => {
  const f = encodePing(1);
  f.writeUInt16BE(0x8002, 0);
  assert.throws(() => parseFrames(f), SpdyProtocolError);
});

test('header blocks: lower-case names, NUL-joined values, truncation refused', () => {
  const block = encodeHeaderBlock({ StreamType: 'stdout', Port: ['80', '81'] });
  assert.deepEqual([...decodeHeaderBlock(block)], [['streamtype', ['stdout']], ['port', ['80', '81']]]);
  assert.throws(() => decodeHeaderBlock(block.subarray(0, block.length - 1)), SpdyProtocolError);
});

test('a session inflates a client\'s header block compressed with the SPDY dictionary and replies', async () => {
  const sent: Buffer[] = [];
  const socket = new PassThrough();
  socket.write = ((b: Buffer, cb?: () => void) => (sent.push(b), cb?.(), true)) as typeof socket.write;
  const session = new SpdySession(socket);
  const opened = new Promise<string>((resolve) => session.on('stream', (s) => {
    s.reply();
    resolve(`${s.id}:${s.header('streamType')}`);
  }));
  // A client's first header block: one zlib stream primed with the dictionary (Go's framer writes this).
  const block = deflateSync(encodeHeaderBlock({ streamtype: 'error' }), { dictionary: SPDY3_DICTIONARY, finishFlush: 2 /* Z_SYNC_FLUSH */ });
  socket.emit('data', encodeSynStream(1, block));
  assert.equal(await opened, '1:error');
  await session.close(); // flushes the reply, then GOAWAY
  assert.deepEqual(parseFrames(Buffer.concat(sent)).frames.map((f) => f.kind), ['syn_reply', 'goaway']);
});

test('protocol negotiation follows the client\'s order among the server\'s protocols', () => {
  assert.equal(negotiateProtocol(headerList('v4.channel.k8s.io, v3.channel.k8s.io'), ['v3.channel.k8s.io', 'v4.channel.k8s.io']), 'v4.channel.k8s.io');
  assert.equal(negotiateProtocol(headerList(['v9.channel.k8s.io', 'v2.channel.k8s.io']), ['v4.channel.k8s.io', 'v2.channel.k8s.io']), 'v2.channel.k8s.io');
  assert.equal(negotiateProtocol([], ['v4.channel.k8s.io']), undefined);
});

test('the error stream: v4 carries a Status with the exit code; v2 a message', () => {
  assert.deepEqual(JSON.parse(errorStreamPayload(4, { exitCode: 0 }).toString()), { metadata: {}, status: 'Success' });
  const failure = JSON.parse(errorStreamPayload(4, { exitCode: 3 }).toString()) as { reason: string; details: { causes: Array<{ reason: string; message: string }> } };
  assert.equal(failure.reason, 'NonZeroExitCode');
  assert.deepEqual(failure.details.causes, [{ reason: 'ExitCode', message: '3' }]);
  assert.equal(errorStreamPayload(2, { exitCode: 0 }).length, 0);
  assert.match(errorStreamPayload(2, { error: 'no such container' }).toString(), /no such container/);
});

test('resize messages are read back to back and across chunks; bad ones are skipped', () => {
  const sizes: Array<{ width: number; height: number }> = [];
  const feed = resizeDecoder((s) => sizes.push(s));
  feed(Buffer.from('{"Width":80,"Height":24}{"Width":1'));
  feed(Buffer.from('00,"Height":30}{"Width":-1,"Height":5}not json{"Width":7,"Height":8}'));
  assert.deepEqual(sizes, [{ width: 80, height: 24 }, { width: 100, height: 30 }, { width: 7, height: 8 }]);
});

test('expected streams follow client-go: stderr only without a tty, resize only with one (v3+)', () => {
  assert.deepEqual(expectedStreams({ stdin: true, stdout: true, stderr: false, tty: true }, 4), ['error', 'stdin', 'stdout', 'resize']);
  assert.deepEqual(expectedStreams({ stdin: false, stdout: true, stderr: true, tty: false }, 4), ['error', 'stdout', 'stderr']);
  assert.deepEqual(expectedStreams({ stdin: true, stdout: true, stderr: false, tty: true }, 2), ['error', 'stdin', 'stdout']);
});

test('streaming requests are checked before a URL is made', () => {
  assert.throws(() => parseStreamOptions('exec', { container_id: 'c', stdin: false, stdout: false, stderr: false }), /one of stdin, stdout and stderr/);
  assert.throws(() => parseStreamOptions('exec', { container_id: 'c', tty: true, stdout: true, stderr: true }), /tty and stderr/);
  assert.throws(() => parseStreamOptions('attach', { container_id: '', stdout: true }), /container_id is empty/);
  assert.throws(() => checkStreamingRequest({ kind: 'exec', req: { container_id: 'c', cmd: [], tty: false, stdin: false, stdout: true, stderr: false } }), /cmd is empty/);
  assert.throws(() => checkStreamingRequest({ kind: 'portforward', req: { pod_sandbox_id: '', port: [] } }), /pod_sandbox_id is empty/);
});

test('a token is used once and expires after a minute', () => {
  let now = 1000;
  const cache = new TokenCache(() => now);
  const r = { kind: 'portforward' as const, req: { pod_sandbox_id: 'p', port: [] } };
  const t1 = cache.insert(r);
  assert.match(t1, /^[A-Za-z0-9_-]{32}$/);
  assert.equal(cache.consume(t1), r);
  assert.equal(cache.consume(t1), undefined);
  const t2 = cache.insert(r);
  now += 60_001;
  assert.equal(cache.consume(t2), undefined);
  assert.equal(cache.consume('nonsense'), undefined);
});

test('WebSocket channel messages, binary and base64', () => {
  assert.deepEqual(encodeChannelMessage(1, Buffer.from('hi'), false), Buffer.from([1, 104, 105]));
  assert.equal(encodeChannelMessage(2, Buffer.from('hi'), true), '2aGk=');
  assert.deepEqual(decodeChannelMessage(Buffer.from([0, 65]), true, false), { channel: 0, data: Buffer.from('A') });
  assert.deepEqual(decodeChannelMessage(Buffer.from('0QQ=='), false, true), { channel: 0, data: Buffer.from('A') });
  assert.equal(decodeChannelMessage(Buffer.alloc(0), true, false), undefined);
});

test('port headers: 1-65535 only', () => {
  assert.equal(parsePort('8080'), 8080);
  for (const bad of [undefined, '0', '65536', '-1', '80a', '']) assert.equal(parsePort(bad), undefined);
});

test('WebSocket port-forward ports come from the query', () => {
  assert.deepEqual(parseQueryPorts('/portforward/t?port=80&port=443'), [80, 443]);
  assert.deepEqual(parseQueryPorts('/portforward/t?port=80,8080'), [80, 8080]);
  assert.equal(parseQueryPorts('/portforward/t'), undefined);
  assert.equal(parseQueryPorts('/portforward/t?port=0'), undefined);
});
