/**
 * A parsed Containerfile/Dockerfile: the contract between the parser (`parse.ts`) and the builder.
 *
 * Nothing here is expanded. Docker expands `$VAR`/`${VAR:-x}` per instruction, at the moment the
 * instruction runs, with the build args and ENV of that point in the stage — so the parser keeps
 * the words raw (quotes, escapes and `$` still in them) and the builder passes each `Raw` word
 * through `expandWord` (expand.ts) with the stage's variables. RUN, CMD and ENTRYPOINT are never
 * expanded by the builder: the shell in the container does it.
 */

/** An unexpanded word, as written (quotes, escapes, `$VAR` still in it). */
export type Raw = string;

export interface Located {
  /** 1-based line of the instruction's keyword. */
  line: number;
  /** The instruction as written, continuation lines joined (for history and error messages). */
  original: string;
}

/** Shell form is run as `SHELL + [script]`; exec form is the argv as written (JSON array). */
export type CommandForm = { form: 'exec'; argv: string[] } | { form: 'shell'; script: string };

/** A here-document body (`RUN <<EOF`, `COPY <<EOF /dst`). */
export interface Heredoc {
  /** The delimiter word, e.g. EOF. */
  name: string;
  /** The body, lines joined with \n (tabs already stripped for `<<-`). */
  content: string;
  /** False when the delimiter was quoted (`<<"EOF"`, `<<'EOF'`): no variable expansion. */
  expand: boolean;
}

/** `RUN --mount=...`; options the type does not use are refused by the parser. */
export type RunMount =
  | { type: 'bind'; target: Raw; source?: Raw; from?: Raw; readwrite: boolean }
  | { type: 'cache'; target: Raw; id?: Raw; sharing: 'shared' | 'private' | 'locked'; from?: Raw; source?: Raw; readonly: boolean; mode?: number; uid?: number; gid?: number }
  | { type: 'tmpfs'; target: Raw; size?: number }
  | { type: 'secret'; id?: Raw; target?: Raw; required: boolean; mode?: number; uid?: number; gid?: number }
  | { type: 'ssh'; id?: Raw; target?: Raw; required: boolean };

export interface KeyValue {
  key: Raw;
  value: Raw;
}

export interface FromInstruction extends Located {
  kind: 'FROM';
  image: Raw;
  platform?: Raw;
  /** `AS name`, lower-cased as docker does. */
  alias?: string;
}

export interface ArgInstruction extends Located {
  kind: 'ARG';
  /** `ARG a=1 b` declares several. */
  args: { name: string; default?: Raw }[];
}

export interface RunInstruction extends Located {
  kind: 'RUN';
  command: CommandForm;
  mounts: RunMount[];
  network?: 'default' | 'none' | 'host';
  security?: 'sandbox' | 'insecure';
  heredocs: Heredoc[];
}

export interface CopyInstruction extends Located {
  kind: 'COPY' | 'ADD';
  /** Sources (globs allowed) relative to the context, or to the root of `from`. */
  sources: Raw[];
  dest: Raw;
  /** COPY --from=stage|image (COPY only). */
  from?: Raw;
  chown?: Raw;
  chmod?: Raw;
  link: boolean;
  /** ADD --checksum=sha256:... (remote sources only). */
  checksum?: Raw;
  /** ADD --keep-git-dir: a repository's .git is copied too. */
  keepGitDir?: boolean;
  /** `COPY <<EOF /dst`: each heredoc is a file named after its delimiter. */
  heredocs: Heredoc[];
}

export type Instruction =
  | FromInstruction
  | ArgInstruction
  | RunInstruction
  | CopyInstruction
  | (Located & { kind: 'CMD' | 'ENTRYPOINT'; command: CommandForm })
  | (Located & { kind: 'ENV' | 'LABEL'; pairs: KeyValue[] })
  | (Located & { kind: 'EXPOSE'; ports: Raw[] })
  | (Located & { kind: 'VOLUME'; paths: Raw[] })
  | (Located & { kind: 'USER'; user: Raw })
  | (Located & { kind: 'WORKDIR'; path: Raw })
  | (Located & { kind: 'STOPSIGNAL'; signal: Raw })
  | (Located & { kind: 'SHELL'; shell: string[] })
  | (Located & { kind: 'MAINTAINER'; name: Raw })
  /** The trigger is kept as text: it is parsed again when a child image's FROM runs it. */
  | (Located & { kind: 'ONBUILD'; trigger: string })
  | (Located & { kind: 'HEALTHCHECK'; healthcheck: HealthcheckSpec });

/** `HEALTHCHECK NONE` is `{ test: ['NONE'] }`, as in the image config. */
export interface HealthcheckSpec {
  /** ['CMD', ...argv] | ['CMD-SHELL', script] | ['NONE'] */
  test: string[];
  /** Durations in nanoseconds, as the image config stores them. */
  interval?: number;
  timeout?: number;
  startPeriod?: number;
  startInterval?: number;
  retries?: number;
}

export interface Stage {
  /** 0-based position in the file. */
  index: number;
  from: FromInstruction;
  /** Everything after FROM up to the next FROM. */
  instructions: Instruction[];
}

export interface Containerfile {
  /** The path the file was read from (for messages). */
  file: string;
  /** From the `# escape=` directive; `\` by default. */
  escape: '\\' | '`';
  /** ARGs before the first FROM: usable in FROM lines, and in a stage after `ARG NAME` there. */
  globalArgs: ArgInstruction[];
  stages: Stage[];
}
