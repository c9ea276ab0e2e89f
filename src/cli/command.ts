/** The shape of a CLI command module, and the context each one runs with. */
import type { Engine, EngineOptions } from '../engine/engine.js';
import type { OptionSpec, ParsedArgs } from './args.js';

export interface CliContext {
  engineOptions: EngineOptions;
  /** Opens the engine on first use; commands such as `version` never do. */
  engine(): Engine;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export interface Command {
  name: string;
  summary: string;
  /** Arguments after the command name, e.g. "[OPTIONS] IMAGE [COMMAND] [ARG...]". */
  usage: string;
  description?: string;
  examples?: string[];
  options: OptionSpec[];
  /** Everything after the first positional is the container's (docker's `run` grammar). */
  stopAtPositional?: boolean;
  /** False for commands that never touch a store (version): the engine is not even loaded. */
  usesEngine?: boolean;
  minArgs?: number;
  maxArgs?: number;
  /** A group's subcommands and their options (`hull volume ls`), for help and shell completion. */
  subcommands?: Record<string, { summary: string; usage: string; options: OptionSpec[] }>;
  /** Resolves to the process exit code. */
  run(ctx: CliContext, args: ParsedArgs): Promise<number>;
}

export const FORMAT_OPTION: OptionSpec = { name: 'format', short: 'f', type: 'string', valueName: 'FORMAT', description: 'output format: "json", or a Go template such as {{.ID}}' };
export const FORMAT_JSON_OPTION: OptionSpec = {
  name: 'format',
  type: 'string',
  valueName: 'FORMAT',
  description: 'output format: "table" (default), "json", a Go template such as {{.ID}}, or "table TEMPLATE" for columns with headers',
};
