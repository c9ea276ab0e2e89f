/**
 * Test harness for the Docker API: a `hull system service` on a private socket over a HullEnv's
 * store, and runners for the real clients (the docker CLI with a private DOCKER_CONFIG, docker-py
 * under Debian's /usr/bin/python3).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { HULL_BIN, runProcess, type HullEnv, type HullResult } from './hull-cli.js';

export interface ApiService {
  socket: string;
  /** DOCKER_HOST and DOCKER_CONFIG for a client of this service. */
  clientEnv: NodeJS.ProcessEnv;
  docker(args: string[], opts?: { input?: string | Buffer; env?: NodeJS.ProcessEnv }): Promise<HullResult>;
  /** Asserting variant: throws with docker's stderr when the exit code is not 0. */
  dockerOk(args: string[], opts?: { input?: string | Buffer; env?: NodeJS.ProcessEnv }): Promise<string>;
  /** Runs a docker-py script; `client = docker.DockerClient(base_url=...)` is defined for it. */
  python(script: string): Promise<HullResult>;
  /** What the service wrote to stderr so far. */
  log(): string;
  stop(): Promise<void>;
}

export { runProcess } from './hull-cli.js';

/** Resolves once the service prints its "listening" line (or `pattern`); rejects if it exits first. */
export function waitListening(child: ChildProcess, stderr: () => string, pattern: RegExp = /: listening/): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (pattern.test(stderr())) {
        child.stderr?.off('data', check);
        resolve();
      }
    };
    child.stderr?.on('data', check);
    child.once('exit', (code) => reject(new Error(`hull system service exited ${code}: ${stderr()}`)));
  });
}

export async function startApiService(env: HullEnv, extraArgs: string[] = []): Promise<ApiService> {
  const socket = join(env.dir, 'api.sock');
  const dockerConfig = join(env.dir, 'docker-config');
  mkdirSync(dockerConfig, { recursive: true });
  // The service's own logins (POST /auth) go to a file of this test, never the host's.
  const serviceEnv = { ...process.env, REGISTRY_AUTH_FILE: join(env.dir, 'auth.json') };
  const child = spawn(HULL_BIN, ['--root', env.root, '--runroot', env.runroot, 'system', 'service', '--time', '0', ...extraArgs, `unix://${socket}`], { stdio: ['ignore', 'ignore', 'pipe'], env: serviceEnv });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  await waitListening(child, () => stderr);
  const clientEnv = { DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: dockerConfig, DOCKER_BUILDKIT: '0' };
  const docker = (args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}) => runProcess(['docker', ...args], { ...opts, env: { ...clientEnv, ...opts.env } });
  return {
    socket,
    clientEnv,
    docker,
    async dockerOk(args, opts) {
      const r = await docker(args, opts);
      if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}: ${r.stderr}\n${r.stdout}`);
      return r.stdout;
    },
    python(script) {
      const prelude = `import docker, json, sys\nclient = docker.DockerClient(base_url=${JSON.stringify(`unix://${socket}`)}, version='auto')\n`;
      return runProcess(['/usr/bin/python3', '-c', prelude + script], { env: clientEnv });
    },
    log: () => stderr,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
