/** Test helper: a directory of compose files, loaded as a `hull compose` command would. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadProject, type LoadOptions } from '../load.js';
import type { ComposeProject } from '../model.js';

/** Writes `files` (path -> text) under a fresh directory named `dirName`; returns that directory. */
export function writeProject(files: Record<string, string>, dirName = 'app'): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'hull-compose-')), dirName);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function load(files: Record<string, string>, opts: Partial<LoadOptions> & { dirName?: string } = {}): ComposeProject {
  const dir = writeProject(files, opts.dirName);
  return loadProject({ environment: {}, ...opts, workingDir: opts.workingDir ? join(dir, opts.workingDir) : dir });
}
