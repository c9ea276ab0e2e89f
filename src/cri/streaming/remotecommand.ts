/**
 * Kubernetes' remote-command protocol versions and the error stream's contents, pure
 * (k8s.io/apimachinery pkg/util/remotecommand; client-go tools/remotecommand):
 *  - channel.k8s.io (v1), v2: error stream carries a text message;
 *  - v3.channel.k8s.io adds the resize stream (JSON {"Width","Height"} objects, one after another);
 *  - v4.channel.k8s.io: the error stream carries a metav1.Status; a non-zero exit is a Failure with
 *    reason NonZeroExitCode and a cause {reason: "ExitCode", message: "<code>"};
 *  - v5.channel.k8s.io (WebSocket): v4 plus a CLOSE signal for stdin.
 */
import type { SessionEnd, TerminalSize } from './session.js';

export const STREAM_PROTOCOL_HEADER = 'x-stream-protocol-version';
/** In the server's order of preference; a client's order decides among them (as kubelet's Handshake). */
export const SPDY_REMOTECOMMAND_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];
export const PORTFORWARD_PROTOCOL = 'portforward.k8s.io';

/** Pure: the client's first protocol that the server speaks (client-go lists its preference first). */
export function negotiateProtocol(clientProtocols: string[], serverProtocols: string[]): string | undefined {
  return clientProtocols.find((p) => serverProtocols.includes(p));
}

/** Pure: the values of a repeated header as Node joins them ("a, b"). */
export function headerList(value: string | string[] | undefined): string[] {
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

export const protocolVersion = (protocol: string): number => (protocol === 'channel.k8s.io' ? 1 : Number(/^v(\d+)\./.exec(protocol)?.[1] ?? 1));

/** Pure: what the error stream carries at the end of a session (empty: nothing for v1-v3 success). */
export function errorStreamPayload(version: number, end: SessionEnd): Buffer {
  if (version >= 4) {
    if ('exitCode' in end && end.exitCode === 0) return Buffer.from(JSON.stringify({ metadata: {}, status: 'Success' }));
    if ('exitCode' in end) {
      const code = Math.min(Math.max(end.exitCode, 0), 255);
      return Buffer.from(JSON.stringify({
        metadata: {},
        status: 'Failure',
        message: `command terminated with non-zero exit code: exit status ${code}`,
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
      }));
    }
    return Buffer.from(JSON.stringify({ metadata: {}, status: 'Failure', message: end.error, reason: 'InternalError', code: 500 }));
  }
  if ('exitCode' in end) return end.exitCode === 0 ? Buffer.alloc(0) : Buffer.from(`command terminated with non-zero exit code: exit status ${end.exitCode}`);
  return Buffer.from(end.error);
}

/**
 * Reads a resize stream: JSON objects back to back ({"Width":80,"Height":24}), as Go's
 * json.Decoder writes them. Calls `onSize` for each complete, valid one.
 */
export function resizeDecoder(onSize: (size: TerminalSize) => void): (chunk: Buffer) => void {
  let buf = '';
  return (chunk) => {
    buf += chunk.toString('utf8');
    if (buf.length > 64 << 10) buf = ''; // no terminal size is this long: drop garbage
    for (;;) {
      const start = buf.indexOf('{');
      const end = buf.indexOf('}', start);
      if (start < 0 || end < 0) return;
      const text = buf.slice(start, end + 1);
      buf = buf.slice(end + 1);
      try {
        const v = JSON.parse(text) as { Width?: unknown; Height?: unknown };
        if (Number.isInteger(v.Width) && Number.isInteger(v.Height) && (v.Width as number) > 0 && (v.Height as number) > 0 && (v.Width as number) < 65536 && (v.Height as number) < 65536) {
          onSize({ width: v.Width as number, height: v.Height as number });
        }
      } catch {
        // not a size: skipped
      }
    }
  };
}
