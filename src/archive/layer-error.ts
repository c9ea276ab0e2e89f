/**
 * The one shape of error a layer refusal takes, so every refusal names the layer, the entry and
 * the reason: `Cannot apply layer "sha256:ab12..": entry "../../etc/passwd" escapes the layer directory`.
 */
import { HullError, type ErrorCode } from '../errors.js';

const MAX_SHOWN = 200;

/** Quotes an archive-supplied string for a message: control characters escaped, long names cut. */
export function showName(s: string): string {
  const json = JSON.stringify(s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}...` : s);
  return json.slice(1, -1);
}

export function layerError(
  code: ErrorCode,
  layer: string,
  entry: string | undefined,
  reason: string,
  options: { hint?: string; cause?: unknown } = {},
): HullError {
  const what = entry === undefined ? reason : `entry "${showName(entry)}" ${reason}`;
  return new HullError(code, `Cannot apply layer "${showName(layer)}": ${what}`, options);
}
