/**
 * Kubernetes probes onto hull's one health check per container (docs/health.md):
 *
 *   exec        -> ["CMD", ...command] run in the container, as Docker runs it
 *   httpGet     -> ["HTTP-GET", scheme, host, port, path, "Name: value"...]   probed by hull from
 *   tcpSocket   -> ["TCP-SOCKET", host, port]                                  the host, as kubelet does
 *
 * An empty host is the container's address. livenessProbe turns unhealthy -> the container is
 * restarted (podman's on-failure action "restart"); readinessProbe is reported as the health
 * status only; startupProbe is the startup check (podman's startup health check): it runs after
 * each start until it passes once, failureThreshold failures restart the container, and only
 * then does the liveness (or readiness) check run.
 * Timings: periodSeconds (10) -> Interval, timeoutSeconds (1) -> Timeout, failureThreshold (3)
 * -> Retries, initialDelaySeconds -> StartPeriod (failures in it do not count).
 */
import type { HealthConfig } from '../engine/requests.js';
import type { Fields } from './fields.js';

const NS = 1e9;

export interface ProbeChoice {
  healthcheck?: HealthConfig;
  onFailure: 'restart' | 'none';
  startup?: HealthConfig;
}

interface Timing {
  initialDelay: number;
  period: number;
  timeout: number;
  failureThreshold: number;
}

function portOf(p: Fields, key: string, namedPorts: ReadonlyMap<string, number>): number {
  const v = p.scalar(key);
  if (v === undefined) throw p.fail(key, 'is required', 'give the port number or the name of one of the container\'s ports');
  const n = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : undefined;
  if (n !== undefined) {
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw p.fail(key, 'must be a port number (1-65535)');
    return n;
  }
  const named = namedPorts.get(v as string);
  if (named === undefined) throw p.fail(key, `names a port ${JSON.stringify(v)} that the container does not declare`, 'name the port under ports, or give its number');
  return named;
}

function readProbe(p: Fields, namedPorts: ReadonlyMap<string, number>, which: string): { test: string[]; timing: Timing } {
  const exec = p.obj('exec');
  const http = p.obj('httpGet');
  const tcp = p.obj('tcpSocket');
  p.unsupported('grpc', 'grpc probes are not supported by hull; the probe is left out');
  let test: string[] | undefined;
  if (exec) {
    const command = exec.strList('command') ?? [];
    if (command.length === 0) throw exec.fail('command', 'is required', 'give the command to run in the container');
    exec.done();
    test = ['CMD', ...command];
  } else if (http) {
    const port = portOf(http, 'port', namedPorts);
    const scheme = (http.str('scheme') ?? 'HTTP').toUpperCase();
    if (scheme !== 'HTTP' && scheme !== 'HTTPS') throw http.fail('scheme', 'must be HTTP or HTTPS');
    const path = http.str('path') ?? '/';
    const headers = http.list('httpHeaders').map((h) => {
      const text = `${h.required('name')}: ${h.str('value') ?? ''}`;
      h.done();
      return text;
    });
    test = ['HTTP-GET', scheme.toLowerCase(), http.str('host') ?? '', String(port), path.startsWith('/') ? path : `/${path}`, ...headers];
    http.done();
  } else if (tcp) {
    const port = portOf(tcp, 'port', namedPorts);
    test = ['TCP-SOCKET', tcp.str('host') ?? '', String(port)];
    tcp.done();
  }
  if (!test) throw p.fail(undefined, `has no handler (exec, httpGet or tcpSocket)`, `give one, or leave ${which} out`);
  const timing: Timing = {
    initialDelay: p.int('initialDelaySeconds') ?? 0,
    period: p.int('periodSeconds') ?? 10,
    timeout: p.int('timeoutSeconds') ?? 1,
    failureThreshold: p.int('failureThreshold') ?? 3,
  };
  const success = p.int('successThreshold');
  if (success !== undefined && success !== 1) p.warn('successThreshold', 'hull counts one success as healthy; ignored');
  p.unsupported('terminationGracePeriodSeconds');
  p.done();
  return { test, timing };
}

function healthcheck(test: string[], t: Timing, startPeriodSeconds = t.initialDelay): HealthConfig {
  return {
    Test: test,
    Interval: Math.max(1, t.period) * NS,
    Timeout: Math.max(1, t.timeout) * NS,
    Retries: Math.max(1, t.failureThreshold),
    ...(startPeriodSeconds > 0 ? { StartPeriod: startPeriodSeconds * NS } : {}),
  };
}

/** The container's health check and startup check from its probes, or undefined when it has none. */
export function planProbes(c: Fields, namedPorts: ReadonlyMap<string, number>): ProbeChoice | undefined {
  const liveness = c.obj('livenessProbe');
  const readiness = c.obj('readinessProbe');
  const startupField = c.obj('startupProbe');
  const live = liveness ? readProbe(liveness, namedPorts, 'livenessProbe') : undefined;
  const ready = readiness ? readProbe(readiness, namedPorts, 'readinessProbe') : undefined;
  const start = startupField ? readProbe(startupField, namedPorts, 'startupProbe') : undefined;
  const startup = start ? { startup: healthcheck(start.test, start.timing) } : {};
  if (live) {
    if (ready) c.warn('readinessProbe', 'not run: hull runs one health check per container, and the livenessProbe takes it');
    return { healthcheck: healthcheck(live.test, live.timing), onFailure: 'restart', ...startup };
  }
  if (ready) return { healthcheck: healthcheck(ready.test, ready.timing), onFailure: 'none', ...startup };
  if (start) return { onFailure: 'none', ...startup };
  return undefined;
}
