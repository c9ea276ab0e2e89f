/**
 * The service's listen address, as dockerd's -H spells it: unix:///path or tcp://host:port.
 * Pure. A TCP address off the loopback is refused unless TLS with client certificates is on:
 * whoever reaches this API is root on the host.
 */
import { isIP } from 'node:net';
import { HullError } from '../errors.js';

export const DEFAULT_SOCKET = 'unix:///run/hull/hull.sock';

export type ListenAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

export function parseListenAddress(uri: string, opts: { tls: boolean }): ListenAddress {
  const shown = JSON.stringify(uri);
  if (uri.startsWith('unix://')) {
    const path = uri.slice('unix://'.length);
    if (!path.startsWith('/')) throw new HullError('INVALID_ARGUMENT', `Cannot listen on ${shown}: a unix socket path must be absolute (unix:///run/hull/hull.sock)`);
    return { kind: 'unix', path };
  }
  const m = /^tcp:\/\/(\[[0-9a-fA-F:]+\]|[^:/[\]]+):(\d{1,5})$/.exec(uri);
  if (!m) throw new HullError('INVALID_ARGUMENT', `Cannot listen on ${shown}: expected unix:///PATH or tcp://HOST:PORT`);
  const host = (m[1] as string).replace(/^\[|\]$/g, '');
  const port = Number(m[2]);
  if (port > 65535) throw new HullError('INVALID_ARGUMENT', `Cannot listen on ${shown}: port ${port} is above 65535`);
  if (!isLoopback(host) && !opts.tls) {
    throw new HullError('PERMISSION_DENIED', `Cannot listen on ${shown}: a TCP address other than the loopback needs TLS with client certificates (anyone who reaches this API is root on the host)`, {
      hint: 'use tcp://127.0.0.1:PORT, or add --tlsverify --tlscacert CA.pem --tlscert CERT.pem --tlskey KEY.pem',
    });
  }
  return { kind: 'tcp', host, port };
}
