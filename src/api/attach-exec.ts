/**
 * Hijacked connections: attach and exec start. The client asks with `Upgrade: tcp`; the server
 * answers `101 UPGRADED` and the socket carries the container's output (Docker's multiplexed
 * frames without a TTY: [stream, 0, 0, 0, size uint32 BE] + bytes; raw with one) and the client's
 * stdin, which it half-closes at EOF. A client that does not upgrade gets the output as the body of
 * a 200 (no stdin), as dockerd serves it.
 *
 * Exec instances live in the service (ApiState): they last as long as it runs, as dockerd's do.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough, Writable, type Duplex } from 'node:stream';
import { HullError } from '../errors.js';
import { parseDetachKeys } from '../engine/flags.js';
import type { ExecOptions, TerminalControl, TerminalSize } from '../engine/requests.js';
import { badParameter, field, MAX_JSON_BODY, orNoSuch, queryBool, quote, readJsonObject, sendJson, type ApiRequest } from './http.js';
import { getContainer } from './containers.js';
import { muxFrame } from './stream-frames.js';

export interface ExecInstance {
  id: string;
  containerId: string;
  opts: ExecOptions;
  attach: { stdin: boolean; stdout: boolean; stderr: boolean };
  running: boolean;
  exitCode: number | null;
  /** The terminal's size: the latest one asked for, applied at start and on every resize. */
  size?: TerminalSize;
  /** Set while a terminal exec runs. */
  terminal?: TerminalControl;
}

/** What the service keeps between requests: exec instances only. */
export interface ApiState {
  execs: Map<string, ExecInstance>;
}

interface Connection {
  out: Duplex | NodeJS.WritableStream;
  /** The client's stdin (upgraded connections only). */
  input: PassThrough | undefined;
  end(): void;
}

/** Takes over the connection: 101 on an upgrade, else a streamed 200. */
function takeOver(r: ApiRequest, tty: boolean, wantInput: boolean): Connection {
  const type = tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream';
  if (!r.hijack) {
    r.res.writeHead(200, { 'Content-Type': type });
    r.res.flushHeaders();
    return { out: r.res, input: undefined, end: () => r.res.end() };
  }
  const { socket, head } = r.hijack;
  r.res.detachSocket(socket as never);
  socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${type}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
  let input: PassThrough | undefined;
  if (wantInput) {
    input = new PassThrough();
    if (head.length > 0) input.write(head);
    socket.pipe(input);
  } else socket.resume(); // nothing is read from a client that sends no stdin; its EOF must not stall
  return { out: socket, input, end: () => socket.end() };
}

/**
 * The JSON body of a hijacked request: Node hands the bytes after the headers to the upgrade as
 * `head` (and the socket). Exactly Content-Length bytes are the body; what follows is stdin.
 * dockerode sends attach options as a body too: they must never reach the container's stdin.
 */
async function readHijackedBody(r: ApiRequest): Promise<Record<string, unknown>> {
  if (!r.hijack) return readJsonObject(r.req);
  const length = Number(r.req.headers['content-length'] ?? 0);
  if (!Number.isInteger(length) || length < 0 || length > MAX_JSON_BODY) throw badParameter('Cannot read the request body: bad Content-Length');
  let buf = r.hijack.head;
  const socket = r.hijack.socket;
  while (buf.length < length) {
    const chunk = (socket.read() as Buffer | null) ?? (await new Promise<Buffer | null>((resolve) => {
      const onReadable = () => (cleanup(), resolve(socket.read() as Buffer | null ?? Buffer.alloc(0)));
      const onEnd = () => (cleanup(), resolve(null));
      const cleanup = () => (socket.off('readable', onReadable), socket.off('end', onEnd), socket.off('close', onEnd));
      socket.once('readable', onReadable);
      socket.once('end', onEnd);
      socket.once('close', onEnd);
    }));
    if (chunk === null) throw badParameter('Cannot read the request body: the connection ended before it');
    buf = Buffer.concat([buf, chunk]);
  }
  r.hijack.head = buf.subarray(length);
  const text = buf.subarray(0, length).toString('utf8').trim();
  if (text === '') return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('expected a JSON object');
    return v as Record<string, unknown>;
  } catch (err) {
    throw badParameter(`Cannot read the request body: invalid JSON (${(err as Error).message})`);
  }
}

function streamWriter(conn: Connection, stream: 1 | 2, tty: boolean): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      const out = conn.out as NodeJS.WritableStream & { destroyed?: boolean };
      if (out.destroyed) return cb();
      out.write(tty ? chunk : muxFrame(stream, chunk), () => cb());
    },
  });
}

/** The `detachKeys` query parameter of attach, as bytes; undefined when absent. */
export function detachKeysQuery(q: URLSearchParams): Buffer | undefined {
  const detachKeys = q.get('detachKeys');
  try {
    return detachKeys ? parseDetachKeys(detachKeys) : undefined;
  } catch {
    throw badParameter(`Cannot read query parameter "detachKeys": ${quote(detachKeys ?? '')} is not a key sequence such as ctrl-p,ctrl-q`);
  }
}

export async function attachContainer(r: ApiRequest): Promise<void> {
  const q = r.query;
  const [stream, logs, stdin, stdout, stderr] = ['stream', 'logs', 'stdin', 'stdout', 'stderr'].map((n) => queryBool(q, n));
  const keys = detachKeysQuery(q);
  await readHijackedBody(r); // options come from the query; a body (dockerode's) is read and ignored
  const c = await getContainer(r.engine, r.params.id as string);
  const tty = c.Config.Tty === true;
  const conn = takeOver(r, tty, stdin === true && stream === true);
  const out = streamWriter(conn, 1, tty);
  const err = streamWriter(conn, 2, tty);
  if (logs) {
    await r.engine.containers.logs(c.Id, {}, (rec) => {
      if (rec.stream === 'stdout' ? stdout : stderr) (rec.stream === 'stdout' ? out : err).write(Buffer.from(rec.text));
    });
  }
  if (!stream) return conn.end();
  try {
    const attachment = await r.engine.containers.attach(c.Id, {
      stdout: stdout ? out : new PassThrough().resume(),
      stderr: stderr ? err : new PassThrough().resume(),
      ...(conn.input ? { stdin: conn.input } : {}),
      ...(keys ? { detachKeys: keys } : {}),
    }, r.signal);
    r.signal.addEventListener('abort', () => attachment.close(), { once: true });
    await attachment.done;
  } catch {
    // The start failed (its caller has the error) or the client left: the stream just ends, as dockerd's does.
  }
  conn.end();
}

const randomId = () => randomBytes(32).toString('hex');

/** `ConsoleSize: [height, width]` (API 1.42+), in exec create and exec start bodies. */
function consoleSize(body: Record<string, unknown>): TerminalSize | undefined {
  const v = body.ConsoleSize;
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length !== 2 || !v.every((n) => Number.isInteger(n) && (n as number) >= 0 && (n as number) < 65536)) throw badParameter('Cannot read the request body: field "ConsoleSize" must be [height, width], two integers');
  const [rows, columns] = v as [number, number];
  return rows > 0 && columns > 0 ? { rows, columns } : undefined;
}

/** `h` and `w` of a resize request: integers (0 is accepted, as dockerd does, and changes nothing). */
function resizeQuery(r: ApiRequest): TerminalSize {
  const [rows, columns] = ['h', 'w'].map((n) => Number(r.query.get(n) ?? ''));
  if (!Number.isInteger(rows) || !Number.isInteger(columns) || (rows as number) < 0 || (columns as number) < 0 || (rows as number) > 65535 || (columns as number) > 65535) throw badParameter('Cannot resize: query parameters "h" and "w" must be integers from 0 to 65535');
  return { rows: rows as number, columns: columns as number };
}

export async function createExec(r: ApiRequest): Promise<void> {
  const state = r.state;
  const body = await readJsonObject(r.req);
  const cmd = body.Cmd;
  if (!Array.isArray(cmd) || cmd.length === 0 || !cmd.every((x) => typeof x === 'string')) throw badParameter('Cannot create the exec: field "Cmd" must be a non-empty list of strings');
  const env = body.Env;
  if (env !== undefined && env !== null && (!Array.isArray(env) || !env.every((x) => typeof x === 'string'))) throw badParameter('Cannot create the exec: field "Env" must be a list of strings');
  const user = field(body, 'User', 'string');
  const workdir = field(body, 'WorkingDir', 'string');
  const tty = field(body, 'Tty', 'boolean') ?? false;
  const size = consoleSize(body);
  if (field(body, 'Privileged', 'boolean')) throw new HullError('UNSUPPORTED', 'Cannot create the exec: privileged exec is not supported', { hint: 'run the container with --privileged instead' });
  const attach = { stdin: field(body, 'AttachStdin', 'boolean') ?? false, stdout: field(body, 'AttachStdout', 'boolean') ?? false, stderr: field(body, 'AttachStderr', 'boolean') ?? false };
  const c = await getContainer(r.engine, r.params.id as string);
  if (c.State.Status !== 'running') throw new HullError('CONFLICT', `Container ${c.Id} is not running`);
  const id = randomId();
  state.execs.set(id, {
    id,
    containerId: c.Id,
    opts: { cmd: cmd as string[], ...(Array.isArray(env) ? { env: env as string[] } : {}), ...(user ? { user } : {}), ...(workdir ? { workdir } : {}), tty, interactive: attach.stdin },
    attach,
    running: false,
    exitCode: null,
    ...(size ? { size } : {}),
  });
  sendJson(r.res, 201, { Id: id });
}

function getExec(state: ApiState, id: string): Promise<ExecInstance> {
  return orNoSuch('exec instance', id, () => {
    const e = state.execs.get(id);
    if (!e) throw new HullError('NOT_FOUND', `Cannot find exec ${quote(id)}`);
    return e;
  });
}

export async function startExec(r: ApiRequest): Promise<void> {
  const state = r.state;
  const body = await readHijackedBody(r);
  const detach = field(body, 'Detach', 'boolean') ?? false;
  const size = consoleSize(body);
  const exec = await getExec(state, r.params.id as string);
  if (size) exec.size = size;
  const tty = exec.opts.tty === true;
  if (exec.running || exec.exitCode !== null) throw new HullError('CONFLICT', `Exec ${exec.id} has already run`);
  exec.running = true;
  const run = (io: Parameters<typeof r.engine.containers.exec>[2]) => r.engine.containers.exec(exec.containerId, { ...exec.opts, ...(detach ? { interactive: false } : {}) }, io)
    .then((code) => (exec.exitCode = code), () => (exec.exitCode = 126))
    .finally(() => (exec.running = false));
  if (detach) {
    void run({});
    r.res.writeHead(200);
    r.res.end();
    return;
  }
  const conn = takeOver(r, tty, exec.attach.stdin);
  const out = streamWriter(conn, 1, tty);
  const err = streamWriter(conn, 2, tty);
  const terminal = tty ? {
    ...(exec.size ? { size: exec.size } : {}),
    onTerminal: (t: TerminalControl) => {
      exec.terminal = t;
      if (exec.size) t.resize(exec.size); // a resize that came while the process was starting
    },
  } : {};
  await run({
    // A terminal merges stdout and stderr into one raw stream.
    ...(exec.attach.stdout || (tty && exec.attach.stderr) ? { stdout: out } : {}),
    ...(exec.attach.stderr && !tty ? { stderr: err } : {}),
    ...(conn.input ? { stdin: conn.input } : {}),
    ...terminal,
    signal: r.signal,
  });
  delete exec.terminal;
  conn.end();
}

export async function inspectExec(r: ApiRequest): Promise<void> {
  const e = await getExec(r.state, r.params.id as string);
  sendJson(r.res, 200, {
    ID: e.id,
    Running: e.running,
    ExitCode: e.exitCode,
    ProcessConfig: { tty: e.opts.tty ?? false, entrypoint: e.opts.cmd[0], arguments: e.opts.cmd.slice(1), privileged: false, user: e.opts.user ?? '' },
    OpenStdin: e.attach.stdin,
    OpenStdout: e.attach.stdout,
    OpenStderr: e.attach.stderr,
    CanRemove: false,
    ContainerID: e.containerId,
    DetachKeys: '',
    Pid: 0,
  });
}

export async function resizeContainer(r: ApiRequest): Promise<void> {
  const size = resizeQuery(r);
  const c = await getContainer(r.engine, r.params.id as string);
  await r.engine.containers.resize(c.Id, { height: size.rows, width: size.columns });
  r.res.writeHead(200);
  r.res.end();
}

/** Resizes an exec's terminal; before it starts, the size is kept for the start. */
export async function resizeExec(r: ApiRequest): Promise<void> {
  const size = resizeQuery(r);
  const exec = await getExec(r.state, r.params.id as string);
  if (exec.opts.tty !== true) throw new HullError('CONFLICT', `Cannot resize exec ${quote(exec.id)}: it has no terminal`);
  exec.size = size;
  exec.terminal?.resize(size);
  r.res.writeHead(200);
  r.res.end();
}
