/** Image configuration (image-spec config.md); Docker's config JSON has the same fields. */
import type { Digest } from './digest.js';
import { invalidFormat, isRecord } from './descriptor.js';
import { isDigest } from './digest.js';

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** The `config` object: defaults for a container run from the image. */
export interface ContainerDefaults {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: HealthConfig;
  ArgsEscaped?: boolean;
  OnBuild?: string[] | null;
  Shell?: string[];
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ContainerDefaults;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: HistoryEntry[];
}

export function parseImageConfig(bytes: Uint8Array | string, what = 'image config'): ImageConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw invalidFormat(what, `not valid JSON (${(err as Error).message})`);
  }
  if (!isRecord(doc)) throw invalidFormat(what, 'not a JSON object');
  if (typeof doc.architecture !== 'string' || typeof doc.os !== 'string') throw invalidFormat(what, 'architecture and os are required');
  const rootfs = doc.rootfs;
  if (!isRecord(rootfs) || rootfs.type !== 'layers' || !Array.isArray(rootfs.diff_ids)) {
    throw invalidFormat(what, 'rootfs must be {"type": "layers", "diff_ids": [...]}');
  }
  for (const d of rootfs.diff_ids) if (typeof d !== 'string' || !isDigest(d)) throw invalidFormat(what, `diff_id "${String(d)}" is invalid`);
  if (doc.config !== undefined && doc.config !== null && !isRecord(doc.config)) throw invalidFormat(what, '"config" must be an object');
  if (doc.history !== undefined && !Array.isArray(doc.history)) throw invalidFormat(what, '"history" must be an array');
  return doc as unknown as ImageConfig;
}
