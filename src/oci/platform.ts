/** Platforms (image-spec image-index.md#platform-variants): os/architecture[/variant], Go's names. */
import { HullError } from '../errors.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

const NODE_TO_GO_ARCH: Record<string, string> = {
  x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', mips: 'mips', mipsel: 'mipsle',
};

/** The platform hull runs on, as Go (and so registries) name it. */
export function hostPlatform(): Platform {
  const architecture = NODE_TO_GO_ARCH[process.arch] ?? process.arch;
  const p: Platform = { os: 'linux', architecture };
  if (architecture === 'arm64') p.variant = 'v8';
  return p;
}

/** Parses "os/arch[/variant]" as given to --platform. */
export function parsePlatform(s: string): Platform {
  const parts = s.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((x) => x.length === 0 || !/^[a-z0-9_.-]+$/.test(x))) {
    throw new HullError('INVALID_ARGUMENT', `Cannot parse platform "${s}": expected os/arch[/variant], e.g. linux/arm64/v8`);
  }
  const [os, architecture, variant] = parts as [string, string, string?];
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

export function parsePlatformObject(v: unknown, what: string): Platform {
  if (typeof v !== 'object' || v === null) throw new HullError('INVALID_FORMAT', `Cannot parse ${what}: platform is not an object`);
  const o = v as Record<string, unknown>;
  if (typeof o.os !== 'string' || typeof o.architecture !== 'string') {
    throw new HullError('INVALID_FORMAT', `Cannot parse ${what}: platform needs os and architecture`);
  }
  const p: Platform = { os: o.os, architecture: o.architecture };
  if (typeof o.variant === 'string') p.variant = o.variant;
  return p;
}

/** Whether `candidate` can run where `want` is asked for; an unset variant matches any (arm64's default v8). */
export function platformMatches(want: Platform, candidate: Platform): boolean {
  if (want.os !== candidate.os || want.architecture !== candidate.architecture) return false;
  if (want.variant === undefined || candidate.variant === undefined) return true;
  return want.variant === candidate.variant;
}
