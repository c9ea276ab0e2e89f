/**
 * `hull completion bash|zsh|fish`: a completion script generated from the command table and each
 * command's option specs, the same sources `--help` prints from, so the two cannot drift apart.
 * Completes global options, commands, group subcommands (image ls, volume create), flags, the
 * names of containers, images, volumes and networks where the usage line asks for them (listed by
 * hull itself, with the same --root), and file names elsewhere. zsh loads the bash script through
 * bashcompinit; fish gets its own `complete` lines.
 */
import { HullError, showUntrusted } from '../../errors.js';
import type { OptionSpec } from '../args.js';
import type { Command } from '../command.js';

export interface CompletionFlag {
  long: string;
  short?: string;
  takesValue: boolean;
  description: string;
}

/** What a command's arguments name, read from its usage line: completed from the store. */
export type ArgKind = 'containers' | 'images' | 'volumes' | 'networks';

export interface CompletionCommand {
  name: string;
  summary: string;
  flags: CompletionFlag[];
  subs?: CompletionCommand[];
  /** The store objects its first argument names, and whether every argument does (`rm C...`). */
  args?: { kind: ArgKind; repeated: boolean };
}

const ARG_WORDS: Record<string, ArgKind> = { CONTAINER: 'containers', IMAGE: 'images', SOURCE_IMAGE: 'images', VOLUME: 'volumes', NETWORK: 'networks', 'NAME|ID': 'containers' };

/** `[OPTIONS] CONTAINER [CONTAINER...]` -> containers, repeated. */
export function argsOfUsage(usage: string): CompletionCommand['args'] {
  const first = usage.replace(/\[OPTIONS\]\s*/, '').split(/\s+/)[0]?.replace(/^\[|\.\.\.\]$|\]$/g, '').replace(/\[.*$/, '') ?? '';
  const kind = ARG_WORDS[first];
  if (!kind) return undefined;
  return { kind, repeated: usage.includes(`${first}...]`) || usage.includes(`[${first}...]`) };
}

/** The command that lists each kind's names, run with the same global options as the line being completed. */
const LISTERS: Record<ArgKind, string> = {
  containers: "ps -a --format '{{.Names}}'",
  images: "images --format '{{.Repository}}:{{.Tag}}'",
  volumes: "volume ls --format '{{.Name}}'",
  networks: "network ls --format '{{.Name}}'",
};

const GLOBAL_VALUE_FLAGS = ['--root', '--runroot', '--storage-driver', '--runtime'];
const GLOBAL_FLAGS = [...GLOBAL_VALUE_FLAGS, '--help', '-h', '--version', '-v'];

const toFlags = (options: OptionSpec[]): CompletionFlag[] => [
  ...options.map((o) => ({ long: o.name, ...(o.short ? { short: o.short } : {}), takesValue: o.type === 'string', description: o.description })),
  { long: 'help', takesValue: false, description: 'show this help' },
];

/** The completion model: visible commands, their flags, and the groups with their subcommands. */
export async function loadCompletionModel(): Promise<CompletionCommand[]> {
  const { COMMANDS, GROUPS } = await import('../commands.js');
  const loaded = new Map<string, Command>();
  const load = async (name: string) => {
    if (!loaded.has(name)) loaded.set(name, await (COMMANDS[name] as { load: () => Promise<Command> }).load());
    return loaded.get(name) as Command;
  };
  const model: CompletionCommand[] = [];
  for (const [name, entry] of Object.entries(COMMANDS)) {
    if (entry.hidden) continue;
    const cmd = await load(name);
    const subs = cmd.subcommands && Object.entries(cmd.subcommands).map(([s, sub]) => withArgs({ name: s, summary: sub.summary, flags: toFlags(sub.options) }, sub.usage));
    model.push(withArgs({ name, summary: entry.summary, flags: toFlags(cmd.options), ...(subs ? { subs } : {}) }, cmd.usage));
  }
  for (const [group, subs] of Object.entries(GROUPS)) {
    const list: CompletionCommand[] = [];
    for (const [s, target] of Object.entries(subs)) {
      if (COMMANDS[target]?.hidden && target === 'container-cleanup') continue; // the monitor's plumbing
      const cmd = await load(target);
      list.push(withArgs({ name: s, summary: COMMANDS[target]?.summary ?? '', flags: toFlags(cmd.options) }, cmd.usage, group));
    }
    model.push({ name: group, summary: `Manage ${group === 'system' ? 'hull' : `${group}s`}`, flags: [], subs: list });
  }
  return model;
}

function withArgs(c: CompletionCommand, usage: string | undefined, group?: string): CompletionCommand {
  // `volume create NAME` names a new object: nothing to complete.
  const args = usage === undefined || c.name === 'create' ? undefined : argsOfUsage(usage);
  if (args && group === 'image') args.kind = 'images'; // image inspect NAME|ID
  return args ? { ...c, args } : c;
}

const flagWords = (flags: CompletionFlag[]) => flags.flatMap((f) => [`--${f.long}`, ...(f.short ? [`-${f.short}`] : [])]);
const valueFlagWords = (flags: CompletionFlag[]) => flagWords(flags.filter((f) => f.takesValue));
/** Words in these scripts come from hull's own tables, never from users; quoting is belt and braces. */
const shWord = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function bashScript(model: CompletionCommand[]): string {
  const cases = (pick: (c: CompletionCommand) => string[]): string =>
    model
      .flatMap((c) => [[c.name, pick(c)] as const, ...(c.subs ?? []).map((s) => [`${c.name} ${s.name}`, pick(s)] as const)])
      .filter(([, words]) => words.length > 0)
      .map(([key, words]) => `    ${shWord(key)}) echo ${shWord(words.join(' '))} ;;`)
      .join('\n');
  return `# bash completion for hull (generated by "hull completion bash")
# Load it in this shell:   source <(hull completion bash)
# or for every shell:      hull completion bash > /etc/bash_completion.d/hull
_hull_subcommands() {
  case "$1" in
${cases((c) => (c.subs ?? []).map((s) => s.name))}
  esac
}
_hull_flags() {
  case "$1" in
${cases((c) => flagWords(c.flags))}
  esac
}
_hull_value_flags() {
  case "$1" in
${cases((c) => valueFlagWords(c.flags))}
  esac
}
# The store objects a command's arguments name: "KIND" for the first one, "KIND+" for all.
_hull_args() {
  case "$1" in
${cases((c) => (c.args ? [`${c.args.kind}${c.args.repeated ? '+' : ''}`] : []))}
  esac
}
# Names of containers, images, volumes or networks, from the store this command line uses.
_hull_names() {
  case "$1" in
${(Object.keys(LISTERS) as ArgKind[]).map((k) => `    ${k}) hull "\${_hull_globals[@]}" ${LISTERS[k]} 2>/dev/null | grep -v '<none>' ;;`).join('\n')}
  esac
}
_hull() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local cmd="" sub="" i=1 w npos=0
  _hull_globals=()
  while [ "$i" -lt "$COMP_CWORD" ]; do
    w="\${COMP_WORDS[i]}"
    if [ -z "$cmd" ]; then
      case "$w" in
        ${GLOBAL_VALUE_FLAGS.join('|')}) _hull_globals+=("$w" "\${COMP_WORDS[i+1]}"); i=$((i + 1)) ;;
        -*) ;;
        *) cmd="$w" ;;
      esac
    elif [ -z "$sub" ] && [ -n "$(_hull_subcommands "$cmd")" ]; then
      case "$w" in -*) ;; *) sub="$w" ;; esac
    elif [[ " $(_hull_value_flags "$cmd\${sub:+ $sub}") " == *" $w "* ]]; then
      i=$((i + 1))
    elif [[ "$w" != -* ]]; then
      npos=$((npos + 1))
    fi
    i=$((i + 1))
  done
  if [ -z "$cmd" ]; then
    case "$prev" in
      --storage-driver) COMPREPLY=($(compgen -W "overlay fuse-overlayfs copy vfs" -- "$cur")); return ;;
      ${GLOBAL_VALUE_FLAGS.filter((f) => f !== '--storage-driver').join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    esac
    if [[ "$cur" == -* ]]; then
      COMPREPLY=($(compgen -W ${shWord(GLOBAL_FLAGS.join(' '))} -- "$cur"))
    else
      COMPREPLY=($(compgen -W ${shWord(model.map((c) => c.name).join(' '))} -- "$cur"))
    fi
    return
  fi
  if [ -z "$sub" ] && [ -n "$(_hull_subcommands "$cmd")" ]; then
    COMPREPLY=($(compgen -W "$(_hull_subcommands "$cmd")" -- "$cur"))
    return
  fi
  local key="$cmd\${sub:+ $sub}"
  if [[ " $(_hull_value_flags "$key") " == *" $prev "* ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  elif [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_hull_flags "$key")" -- "$cur"))
  else
    local kind
    kind="$(_hull_args "$key")"
    if [ -n "$kind" ] && { [ "$npos" -eq 0 ] || [[ "$kind" == *+ ]]; }; then
      COMPREPLY=($(compgen -W "$(_hull_names "\${kind%+}")" -- "$cur"))
    else
      COMPREPLY=($(compgen -f -- "$cur"))
    fi
  fi
}
complete -o filenames -F _hull hull
`;
}

export function zshScript(model: CompletionCommand[]): string {
  return `#compdef hull
# zsh completion for hull (generated by "hull completion zsh"): the bash script through zsh's
# bashcompinit. Load it with:  source <(hull completion zsh)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashScript(model).split('\n').filter((l) => !l.startsWith('#')).join('\n')}`;
}

export function fishScript(model: CompletionCommand[]): string {
  const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const flagLine = (cond: string, f: CompletionFlag) =>
    `complete -c hull -n ${q(cond)} -l ${f.long}${f.short ? ` -s ${f.short}` : ''}${f.takesValue ? ' -r -F' : ''} -d ${q(f.description)}`;
  const lines = [
    '# fish completion for hull (generated by "hull completion fish")',
    '# Load it with:  hull completion fish | source',
    'function __hull_words',
    '    set -l toks (commandline -opc)',
    '    set -e toks[1]',
    '    set -l skip 0',
    '    for t in $toks',
    '        if test $skip = 1',
    '            set skip 0',
    '            continue',
    '        end',
    '        switch $t',
    `            case ${GLOBAL_VALUE_FLAGS.join(' ')}`,
    '                set skip 1',
    "            case '-*'",
    "            case '*'",
    '                echo $t',
    '        end',
    '    end',
    'end',
    '# __hull_at WORDS...: the command line starts with these words (and, with -x, has no more)',
    'function __hull_at',
    '    set -l exact 0',
    '    if test "$argv[1]" = -x',
    '        set exact 1',
    '        set -e argv[1]',
    '    end',
    '    set -l w (__hull_words)',
    '    test (count $w) -ge (count $argv); or return 1',
    '    test $exact = 0; or test (count $w) -eq (count $argv); or return 1',
    '    for i in (seq (count $argv))',
    '        test "$w[$i]" = "$argv[$i]"; or return 1',
    '    end',
    'end',
    '# __hull_names KIND: names of containers, images, volumes or networks, from the store this line uses',
    'function __hull_names',
    '    set -l toks (commandline -opc)',
    '    set -l globals',
    '    for i in (seq 2 (count $toks))',
    `        if contains -- $toks[$i] ${GLOBAL_VALUE_FLAGS.join(' ')}`,
    '            set -a globals $toks[$i] $toks[(math $i + 1)]',
    '        end',
    '    end',
    '    switch $argv[1]',
    ...(Object.keys(LISTERS) as ArgKind[]).flatMap((k) => [`        case ${k}`, `            hull $globals ${LISTERS[k]} 2>/dev/null | string match -v '*<none>*'`]),
    '    end',
    'end',
    'complete -c hull -f',
    ...GLOBAL_VALUE_FLAGS.map((f) => `complete -c hull -n '__hull_at -x' -l ${f.slice(2)} -r${f === '--storage-driver' ? " -a 'overlay fuse-overlayfs copy vfs'" : ' -F'}`),
  ];
  for (const c of model) {
    lines.push(`complete -c hull -n '__hull_at -x' -a ${c.name} -d ${q(c.summary)}`);
    for (const f of c.flags) lines.push(flagLine(`__hull_at ${c.name}`, f));
    if (c.args) lines.push(`complete -c hull -n '__hull_at ${c.name}' -a '(__hull_names ${c.args.kind})'`);
    for (const s of c.subs ?? []) {
      lines.push(`complete -c hull -n '__hull_at -x ${c.name}' -a ${s.name} -d ${q(s.summary)}`);
      for (const f of s.flags) lines.push(flagLine(`__hull_at ${c.name} ${s.name}`, f));
      if (s.args) lines.push(`complete -c hull -n '__hull_at ${c.name} ${s.name}' -a '(__hull_names ${s.args.kind})'`);
    }
  }
  return lines.join('\n') + '\n';
}

const completion: Command = {
  name: 'completion',
  summary: 'Print a shell completion script (bash, zsh or fish)',
  usage: 'bash|zsh|fish',
  description: 'Print a completion script for hull\'s commands, subcommands and flags.\n\n  bash:  source <(hull completion bash)\n  zsh:   source <(hull completion zsh)\n  fish:  hull completion fish | source',
  examples: ['hull completion bash > /etc/bash_completion.d/hull'],
  options: [],
  usesEngine: false,
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, { positionals }) {
    const shell = positionals[0] as string;
    const render = { bash: bashScript, zsh: zshScript, fish: fishScript }[shell];
    if (!render) throw new HullError('INVALID_ARGUMENT', `Cannot print completion for "${showUntrusted(shell)}": unknown shell`, { hint: 'use bash, zsh or fish' });
    ctx.stdout.write(render(await loadCompletionModel()));
    return 0;
  },
};

export default completion;
