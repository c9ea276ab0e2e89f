import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseContainerfile } from './parse.js';
import type { Instruction } from './instructions.js';
import { isHullError } from '../errors.js';

/** The instructions of the only stage of `FROM scratch\n` + body. */
function body(text: string): Instruction[] {
  const file = parseContainerfile(`FROM scratch\n${text}`, 'Containerfile');
  return file.stages[0]?.instructions ?? [];
}

function one(text: string): Instruction {
  const [first, ...others] = body(text);
  assert.equal(others.length, 0, `expected one instruction in ${JSON.stringify(text)}`);
  return first as Instruction;
}

function fails(text: string, pattern: RegExp, hint?: RegExp): void {
  assert.throws(
    () => parseContainerfile(text, 'Containerfile'),
    (err: unknown) => {
      assert.ok(isHullError(err, 'INVALID_ARGUMENT'), String(err));
      assert.match(err.message, pattern);
      if (hint !== undefined) assert.match(err.hint ?? '', hint);
      return true;
    },
  );
}

test('keywords are case-insensitive; original keeps the text as written', () => {
  const i = one('run echo hi');
  assert.equal(i.kind, 'RUN');
  assert.equal(i.original, 'run echo hi');
  assert.equal(parseContainerfile('from alpine as B', 'f').stages[0]?.from.alias, 'b');
});

test('continuations join lines; comments and blank lines inside are skipped; continuation lines keep their indent', () => {
  const i = one('RUN a \\\n  # note\n\n   b \\\n\tc');
  assert.deepEqual(i.kind === 'RUN' && i.command, { form: 'shell', script: 'a    b \tc' });
  assert.equal(i.line, 2);
  const next = body('RUN a \\\n b\nUSER x');
  assert.equal(next[1]?.line, 4);
});

test('an escaped escape character at the end does not continue the line; a trailing one at EOF ends it', () => {
  const [a, b] = body('RUN echo \\\\\nUSER x');
  assert.deepEqual(a?.kind === 'RUN' && a.command, { form: 'shell', script: 'echo \\\\' });
  assert.equal(b?.kind, 'USER');
  assert.deepEqual((one('RUN echo end \\') as { command: unknown }).command, { form: 'shell', script: 'echo end' });
});

test('# escape=` makes the backtick the escape and continuation character', () => {
  const file = parseContainerfile('# escape=`\nFROM scratch\nRUN dir c:\\ `\n  && echo done\nENV A="a`"b"', 'f');
  assert.equal(file.escape, '`');
  const [run, env] = file.stages[0]?.instructions ?? [];
  assert.deepEqual(run?.kind === 'RUN' && run.command, { form: 'shell', script: 'dir c:\\   && echo done' });
  assert.deepEqual(env?.kind === 'ENV' && env.pairs, [{ key: 'A', value: '"a`"b"' }]);
});

test('directives count only at the very top', () => {
  assert.equal(parseContainerfile('# syntax=docker/dockerfile:1\n#escape = `\nFROM x', 'f').escape, '`');
  assert.equal(parseContainerfile('\n# escape=`\nFROM x', 'f').escape, '\\');
  assert.equal(parseContainerfile('# a comment\n# escape=`\nFROM x', 'f').escape, '\\');
  assert.equal(parseContainerfile('FROM x\n# escape=`\nRUN a', 'f').escape, '\\');
  fails('# escape=x\nFROM a', /line 1: invalid escape token "x"/);
  fails('# escape=`\n# escape=\\\nFROM a', /line 2: only one escape parser directive/);
});

test('a byte-order mark and CRLF line endings are fine', () => {
  const file = parseContainerfile('\uFEFFFROM a\r\nRUN b \\\r\n c\r\n', 'f');
  assert.deepEqual(file.stages[0]?.instructions[0]?.kind === 'RUN' && file.stages[0].instructions[0].command, { form: 'shell', script: 'b  c' });
});

test('exec form when the text is a JSON array of strings, shell form otherwise', () => {
  assert.deepEqual((one('CMD ["a", "b c"]') as { command: unknown }).command, { form: 'exec', argv: ['a', 'b c'] });
  assert.deepEqual((one('CMD []') as { command: unknown }).command, { form: 'exec', argv: [] });
  assert.deepEqual((one('ENTRYPOINT [oops') as { command: unknown }).command, { form: 'shell', script: '[oops' });
  assert.deepEqual((one("CMD ['single']") as { command: unknown }).command, { form: 'shell', script: "['single']" });
  fails('FROM a\nCMD ["a", 1]', /line 2: when using JSON array syntax, arrays must be comprised of strings only/);
});

test('RUN flags: mounts, network, security', () => {
  const i = one('RUN --mount=type=bind,source=src,target=/src,from=build --mount=type=tmpfs,dst=/tmp,size=64m --network=none --security=insecure make');
  assert.ok(i.kind === 'RUN');
  assert.deepEqual(i.mounts, [
    { type: 'bind', target: '/src', source: 'src', from: 'build', readwrite: false },
    { type: 'tmpfs', target: '/tmp', size: 64 * 1024 * 1024 },
  ]);
  assert.equal(i.network, 'none');
  assert.equal(i.security, 'insecure');
  fails('FROM a\nRUN --network=bridge x', /line 2: invalid --network value "bridge"/);
  fails('FROM a\nRUN --mount=type=cache x', /line 2: --mount needs a target/);
  fails('FROM a\nRUN --device=/dev/fuse x', /flag --device of RUN is not supported by hull/);
  fails('FROM a\nRUN --mout=type=cache x', /unknown flag --mout for RUN/, /did you mean --mount\?/);
  fails('FROM a\nRUN --network x', /missing a value on flag --network/);
  fails('FROM a\nRUN --network=none --network=host x', /duplicate flag specified: --network/);
  fails('FROM a\nRUN', /line 2: RUN requires at least one argument/);
});

test('flags take quotes; -- ends them', () => {
  const i = one('RUN --mount="type=cache,target=/a b" -- --not-a-flag');
  assert.ok(i.kind === 'RUN');
  assert.deepEqual(i.mounts, [{ type: 'cache', target: '/a b', sharing: 'shared', readonly: false }]);
  assert.deepEqual(i.command, { form: 'shell', script: '--not-a-flag' });
});

test('heredocs: a RUN with only a heredoc runs the body; otherwise the shell gets the here-document', () => {
  const only = one('RUN <<EOF\necho $HOME\nEOF');
  assert.ok(only.kind === 'RUN');
  assert.deepEqual(only.command, { form: 'shell', script: 'echo $HOME\n' });
  assert.deepEqual(only.heredocs, [{ name: 'EOF', content: 'echo $HOME\n', expand: true }]);
  const fed = one("RUN python3 <<'PY' > out\nprint('x')\nPY");
  assert.ok(fed.kind === 'RUN');
  assert.deepEqual(fed.command, { form: 'shell', script: "python3 <<'PY' > out\nprint('x')\nPY" });
  assert.equal(fed.heredocs[0]?.expand, false);
});

test('heredocs: <<- strips leading tabs; several on one line; lines after them continue the file', () => {
  const [run, user] = body('RUN cat <<-A <<"B" > f\n\t\tone\n\tA\n\ttwo\nB\nUSER me');
  assert.ok(run?.kind === 'RUN');
  assert.deepEqual(run.heredocs, [
    { name: 'A', content: 'one\n', expand: true },
    { name: 'B', content: '\ttwo\n', expand: false },
  ]);
  assert.equal(user?.kind === 'USER' && user.line, 7);
  fails('FROM a\nRUN <<EOF\nno end', /line 2: unterminated heredoc "EOF"/);
});

test('heredocs are not looked for in the exec form or in other instructions', () => {
  const run = one('RUN ["sh", "-c", "cat <<EOF"]');
  assert.ok(run.kind === 'RUN');
  assert.deepEqual(run.heredocs, []);
  assert.equal(body('CMD cat <<EOF\nUSER x').length, 2);
});

test('COPY/ADD: sources, dest, flags, JSON form, heredoc sources', () => {
  const copy = one('COPY --from=build --chown=1:1 --chmod=0644 --link a b* /dst/');
  assert.deepEqual(copy, {
    kind: 'COPY', line: 2, original: 'COPY --from=build --chown=1:1 --chmod=0644 --link a b* /dst/',
    sources: ['a', 'b*'], dest: '/dst/', from: 'build', chown: '1:1', chmod: '0644', link: true, heredocs: [],
  });
  const json = one('ADD --checksum=sha256:abc --link=false ["a b", "/c d"]');
  assert.ok(json.kind === 'ADD');
  assert.deepEqual([json.sources, json.dest, json.checksum, json.link], [['a b'], '/c d', 'sha256:abc', false]);
  const doc = one('COPY <<one.txt <<two.txt /etc/\n1\none.txt\n2\ntwo.txt');
  assert.ok(doc.kind === 'COPY');
  assert.deepEqual(doc.sources, []);
  assert.deepEqual(doc.heredocs.map((h) => [h.name, h.content]), [['one.txt', '1\n'], ['two.txt', '2\n']]);
  fails('FROM a\nCOPY onlyone', /line 2: COPY requires at least two arguments/);
  fails('FROM a\nADD --from=x a b', /unknown flag --from for ADD/);
  fails('FROM a\nCOPY --checksum=x a b', /unknown flag --checksum for COPY/);
  fails('FROM a\nCOPY --parents a b', /flag --parents of COPY is not supported by hull/);
  fails('FROM a\nCOPY a <<EOF\nx\nEOF', /COPY cannot accept a heredoc as a destination/);
  fails('FROM a\nCOPY --link=maybe a b', /expecting a boolean value for flag --link/);
});

test('ENV and LABEL: pairs with quotes kept raw, and the legacy one-pair form', () => {
  assert.deepEqual((one('ENV a=1 b="x y" c=\\ z d=') as { pairs: unknown }).pairs, [
    { key: 'a', value: '1' }, { key: 'b', value: '"x y"' }, { key: 'c', value: '\\ z' }, { key: 'd', value: '' },
  ]);
  assert.deepEqual((one('ENV PATH /usr/bin:$PATH  more') as { pairs: unknown }).pairs, [{ key: 'PATH', value: '/usr/bin:$PATH  more' }]);
  assert.deepEqual((one('LABEL "com.x"="1" version=2') as { pairs: unknown }).pairs, [{ key: '"com.x"', value: '"1"' }, { key: 'version', value: '2' }]);
  fails('FROM a\nENV ONLY', /line 2: ENV must have two arguments/);
  fails('FROM a\nENV a=1 b', /can't find = in "b"/);
  fails('FROM a\nLABEL =x', /LABEL names can not be blank/);
  fails('FROM a\nENV', /ENV requires at least one argument/);
});

test('ARG: several per line, defaults raw; before FROM they are global', () => {
  const file = parseContainerfile('ARG A B=2 C="x y"\nFROM img:$A\nARG A\n', 'f');
  assert.deepEqual(file.globalArgs[0]?.args, [{ name: 'A' }, { name: 'B', default: '2' }, { name: 'C', default: '"x y"' }]);
  assert.deepEqual(file.stages[0]?.instructions, [{ kind: 'ARG', line: 3, original: 'ARG A', args: [{ name: 'A' }] }]);
  fails('FROM a\nARG =1', /ARG names can not be blank/);
});

test('FROM: --platform, AS name lower-cased and checked, duplicates refused', () => {
  const file = parseContainerfile('FROM --platform=linux/arm64 a AS One\nFROM one\nFROM b as two', 'f');
  assert.deepEqual(file.stages.map((s) => [s.index, s.from.image, s.from.alias, s.from.platform]), [
    [0, 'a', 'one', 'linux/arm64'], [1, 'one', undefined, undefined], [2, 'b', 'two', undefined],
  ]);
  fails('FROM a AS x\nFROM b AS X', /line 2: duplicate stage name "x" \(first used on line 1\)/);
  fails('FROM a AS 1x', /invalid name for build stage: "1x"/);
  fails('FROM a b', /FROM requires either one or three arguments/);
  fails('FROM --plaform=x a', /unknown flag --plaform for FROM/, /--platform/);
});

test('file-level errors: no instructions, no FROM, instruction before FROM, unknown instruction', () => {
  fails('# only a comment\n\n', /Cannot parse "Containerfile": the file has no instructions/);
  fails('ARG A\nARG B', /line 2: no FROM instruction/);
  fails('ARG A\nRUN x\nFROM a', /line 2: RUN before the first FROM/, /only ARG/);
  fails('FROM a\n\nRUNN x', /Cannot parse "Containerfile" line 3: unknown instruction "RUNN"/, /did you mean "RUN"\?/);
  fails('FROM a\nFOOBARBAZ x', /unknown instruction "FOOBARBAZ"/, /instructions are ADD/);
});

test('simple instructions take the rest of the line and refuse flags and emptiness', () => {
  assert.deepEqual(body('USER app:app\nWORKDIR /my dir\nSTOPSIGNAL SIGTERM\nMAINTAINER Jo <jo@x>\nEXPOSE 80 443/udp $P\nVOLUME /a /b\nVOLUME ["/c"]').map((i) => Object.values(i).slice(3)), [
    ['app:app'], ['/my dir'], ['SIGTERM'], ['Jo <jo@x>'], [['80', '443/udp', '$P']], [['/a', '/b']], [['/c']],
  ]);
  fails('FROM a\nUSER', /USER requires exactly one argument/);
  fails('FROM a\nWORKDIR --x /a', /unknown flag --x: WORKDIR takes no flags/);
  fails('FROM a\nEXPOSE', /EXPOSE requires at least one argument/);
  fails('FROM a\nVOLUME ["/a", ""]', /VOLUME specified can not be an empty string/);
});

test('SHELL is JSON only', () => {
  assert.deepEqual((one('SHELL ["/bin/bash", "-eo", "pipefail", "-c"]') as { shell: unknown }).shell, ['/bin/bash', '-eo', 'pipefail', '-c']);
  fails('FROM a\nSHELL /bin/bash -c', /SHELL requires the arguments to be in JSON form/);
  fails('FROM a\nSHELL []', /SHELL requires at least one argument/);
});

test('HEALTHCHECK: NONE, CMD in both forms, durations in nanoseconds', () => {
  assert.deepEqual((one('HEALTHCHECK NONE') as { healthcheck: unknown }).healthcheck, { test: ['NONE'] });
  assert.deepEqual((one('healthcheck --interval=5m --timeout=3s --start-period=1m30s --start-interval=500ms --retries=3 cmd ["curl", "-f", "x"]') as { healthcheck: unknown }).healthcheck, {
    test: ['CMD', 'curl', '-f', 'x'], interval: 300e9, timeout: 3e9, startPeriod: 90e9, startInterval: 500e6, retries: 3,
  });
  assert.deepEqual((one('HEALTHCHECK CMD curl -f x || exit 1') as { healthcheck: unknown }).healthcheck, { test: ['CMD-SHELL', 'curl -f x || exit 1'] });
  fails('FROM a\nHEALTHCHECK NONE extra', /HEALTHCHECK NONE takes no arguments/);
  fails('FROM a\nHEALTHCHECK --interval=5m NONE', /HEALTHCHECK NONE takes no arguments/);
  fails('FROM a\nHEALTHCHECK CMD', /missing command after HEALTHCHECK CMD/);
  fails('FROM a\nHEALTHCHECK RUN x', /unknown type "RUN" in HEALTHCHECK \(try CMD\)/);
  fails('FROM a\nHEALTHCHECK --interval=5 CMD x', /invalid duration "5" for --interval/);
  fails('FROM a\nHEALTHCHECK --timeout=10us CMD x', /--timeout cannot be less than 1ms/);
  fails('FROM a\nHEALTHCHECK --retries=-1 CMD x', /--retries cannot be negative/);
});

test('ONBUILD keeps the trigger as text, checks it, and refuses what docker refuses', () => {
  assert.deepEqual(one('ONBUILD COPY . /app'), { kind: 'ONBUILD', line: 2, original: 'ONBUILD COPY . /app', trigger: 'COPY . /app' });
  assert.equal((one('onbuild RUN <<EOF\necho hi\nEOF') as { trigger: unknown }).trigger, 'RUN <<EOF\necho hi\nEOF');
  fails('FROM a\nONBUILD ONBUILD RUN x', /chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed/);
  fails('FROM a\nONBUILD FROM x', /FROM isn't allowed as an ONBUILD trigger/);
  fails('FROM a\nONBUILD maintainer x', /MAINTAINER isn't allowed as an ONBUILD trigger/);
  fails('FROM a\nONBUILD RUNN x', /line 2: unknown instruction "RUNN"/);
  fails('FROM a\nONBUILD', /ONBUILD requires at least one argument/);
});

test('messages name the file as given', () => {
  fails('FROM a\nRUNN', /^Cannot parse "Containerfile" line 2: /);
  assert.throws(() => parseContainerfile('FROM a\nRUNN', 'ctx/build.Dockerfile'), /Cannot parse "ctx\/build.Dockerfile" line 2/);
});
