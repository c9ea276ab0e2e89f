/**
 * The registry's logger interface. The library never prints: the front end injects a logger
 * (the CLI writes JSON lines to stderr; tests collect entries in an array).
 */
export interface RegistryLogEntry {
  level: 'info' | 'warn' | 'error';
  msg: string;
  [field: string]: unknown;
}

export type RegistryLogger = (entry: RegistryLogEntry) => void;

export const silentLogger: RegistryLogger = () => undefined;

/** A logger that writes one JSON object per line with a timestamp, for a stream the caller owns. */
export function jsonLineLogger(write: (line: string) => void): RegistryLogger {
  return (entry) => write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
}
