/**
 * Network probes, run by hull from the host as kubelet runs them (pkg/probe/http, pkg/probe/tcp),
 * not inside the container: the image needs no curl or wget (podman's kube play runs `curl` in
 * the container, which fails in images without it).
 *
 *   ["HTTP-GET", scheme, host, port, path, "Name: value"...]   GET; 200-399 is healthy
 *   ["TCP-SOCKET", host, port]                                 a connection that opens is healthy
 *
 * An empty host is the container's address, as kubelet probes the pod IP: the first non-loopback
 * local address of the container's network namespace (read from /proc/PID/net/fib_trie, so it
 * works for any network: a bridge, a pod's infra, a CNI network), or 127.0.0.1 when the container
 * shares the host's network. HTTPS is not verified (kubelet's InsecureSkipVerify); redirects are
 * not followed (a 3xx is a success, as kubelet counts a redirect to another host).
 */
import { readFileSync, statSync } from 'node:fs';
import type * as http from 'node:http';
import type * as https from 'node:https';
import { lazyBuiltin } from '../sys/lazy-builtin.js';
import { connect } from 'node:net';
import { MAX_OUTPUT_BYTES, rfc3339Micro, timeoutOutput, type HealthLogEntry } from './health-state.js';

const httpModule = lazyBuiltin<typeof http>('node:http');
const httpsModule = lazyBuiltin<typeof https>('node:https');

export const NET_PROBE_KINDS = ['HTTP-GET', 'TCP-SOCKET'] as const;
export type NetProbeKind = (typeof NET_PROBE_KINDS)[number];

export function isNetProbe(kind: string | undefined): kind is NetProbeKind {
  return kind === 'HTTP-GET' || kind === 'TCP-SOCKET';
}

/** Pure: why a network probe's Test is malformed, or undefined when it is well formed. */
export function netProbeProblem(test: readonly string[]): string | undefined {
  const port = (p: string | undefined) => p !== undefined && /^\d{1,5}$/.test(p) && Number(p) >= 1 && Number(p) <= 65535;
  if (test[0] === 'TCP-SOCKET') return test.length === 3 && port(test[2]) ? undefined : 'TCP-SOCKET takes a host ("" for the container\'s address) and a port';
  if (test.length < 5 || (test[1] !== 'http' && test[1] !== 'https') || !port(test[3]) || !(test[4] as string).startsWith('/')) {
    return 'HTTP-GET takes a scheme (http or https), a host ("" for the container\'s address), a port, a path starting with "/" and "Name: value" headers';
  }
  if (test.slice(5).some((h) => !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+: [^\r\n]*$/.test(h))) return 'HTTP-GET headers must read "Name: value"';
  return undefined;
}

/** Pure: the first non-loopback local IPv4 address in a /proc/net/fib_trie text. */
export function localAddressFromFibTrie(text: string): string | undefined {
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    if (!/\/32 host LOCAL/.test(lines[i] as string)) continue;
    const m = /([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+)\s*$/.exec(lines[i - 1] as string);
    if (m && !(m[1] as string).startsWith('127.')) return m[1];
  }
  return undefined;
}

/** The address to probe for a container whose process is `pid`. */
export function containerAddress(pid: number): string | undefined {
  const ns = (p: string) => statSync(p).ino;
  if (ns(`/proc/${pid}/ns/net`) === ns('/proc/self/ns/net')) return '127.0.0.1';
  return localAddressFromFibTrie(readFileSync(`/proc/${pid}/net/fib_trie`, 'utf8'));
}

function now(): number {
  return performance.timeOrigin + performance.now();
}

/** Runs a network probe once; a failure is a result, never a throw. */
export async function runNetProbe(test: readonly string[], pid: number, timeoutMs: number, signal?: AbortSignal): Promise<HealthLogEntry> {
  const start = now();
  const entry = (exitCode: number, output: string): HealthLogEntry => ({ Start: rfc3339Micro(start), End: rfc3339Micro(now()), ExitCode: exitCode, Output: output.slice(0, MAX_OUTPUT_BYTES) });
  let host: string | undefined;
  try {
    host = (test[0] === 'TCP-SOCKET' ? test[1] : test[2]) || containerAddress(pid);
  } catch (err) {
    return entry(-1, `cannot find the container's address: ${(err as Error).message}`);
  }
  if (!host) return entry(1, 'the container has no network address to probe');
  return new Promise<HealthLogEntry>((resolve) => {
    let done = false;
    const finish = (code: number, output: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      cleanup();
      resolve(entry(code, output));
    };
    let cleanup = () => {};
    const timer = setTimeout(() => finish(-1, timeoutOutput(timeoutMs)), timeoutMs);
    const onAbort = () => finish(-1, 'probe cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });
    if (test[0] === 'TCP-SOCKET') {
      const sock = connect({ host, port: Number(test[2]) });
      cleanup = () => sock.destroy();
      sock.once('connect', () => finish(0, `connected to ${host}:${test[2]}`));
      sock.once('error', (err) => finish(1, `dial tcp ${host}:${test[2]}: ${err.message}`));
      return;
    }
    const [, scheme, , port, path, ...headerLines] = test as string[];
    const headers: Record<string, string> = { 'User-Agent': 'hull-probe/1.0', Accept: '*/*' };
    for (const h of headerLines) {
      const i = h.indexOf(': ');
      headers[h.slice(0, i)] = h.slice(i + 2);
    }
    const req = (scheme === 'https' ? httpsModule().request : httpModule().request)({ host, port: Number(port), path, method: 'GET', headers, ...(scheme === 'https' ? { rejectUnauthorized: false } : {}) });
    cleanup = () => req.destroy();
    req.once('response', (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      finish(status >= 200 && status < 400 ? 0 : 1, `HTTP probe ${scheme}://${host}:${port}${path}: ${status} ${res.statusMessage ?? ''}`.trim());
    });
    req.once('error', (err) => finish(1, `HTTP probe ${scheme}://${host}:${port}${path} failed: ${err.message}`));
    req.end();
  });
}
