/**
 * docker's list formatter: the expected outputs are what docker 28's CLI printed for
 * `docker context ls --format ...` on the same row (the one list command that needs no daemon).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatList, prepareListFormat } from './list-format.js';
import { alignColumns } from './tabwriter.js';
import { isHullError } from '../../errors.js';

const row = { Name: 'default', Description: 'Current DOCKER_HOST based configuration', DockerEndpoint: 'unix:///var/run/docker.sock', Current: true, Error: '' };
const ls = (format: string) => formatList(format, [row], 'row');

test('table TEMPLATE prints a header row from the field names and aligns columns as docker does', () => {
  assert.equal(
    ls('table {{.Name}}\\t{{.Description}}\\t{{.DockerEndpoint}}'),
    'NAME      DESCRIPTION                               DOCKER ENDPOINT\ndefault   Current DOCKER_HOST based configuration   unix:///var/run/docker.sock\n',
  );
  assert.equal(ls('table {{.Name}}:{{upper .Name}}\\t{{.Error}}\\tx'), 'NAME:NAME         ERROR     x\ndefault:DEFAULT             x\n');
  // pad applies to the header too (docker keeps it so that columns line up); json does not.
  assert.equal(ls('table {{.Name}}\\t{{pad .Name 2 2}}|\\t{{json .Description}}'), 'NAME        NAME  |      DESCRIPTION\ndefault     default  |   "Current DOCKER_HOST based configuration"\n');
  assert.equal(ls('table {{.Name}}\\n{{.Description}}'), 'NAME\nDESCRIPTION\ndefault\nCurrent DOCKER_HOST based configuration\n');
});

test('without "table" each row is the template and a newline; \\t is a real tab; "table" must lead', () => {
  assert.equal(ls('{{.Name}}\\t{{.Current}}'), 'default\ttrue\n');
  assert.equal(ls('  table   {{.Name}}  '), 'table   default\n');
  assert.deepEqual(prepareListFormat('table {{.ID}}\\t{{.Names}}'), { table: true, body: '{{.ID}}\t{{.Names}}' });
});

test('docker headers for container rows; .Label "x" and Labels as docker shows them', () => {
  const rows = [
    { ID: 'abc', Names: 'web', Labels: { tier: 'front', app: 'x' } },
    { ID: 'def', Names: 'database', Labels: {} },
  ];
  assert.equal(formatList('table {{.ID}}\\t{{.Names}}', rows, 'container'), 'CONTAINER ID   NAMES\nabc            web\ndef            database\n');
  assert.equal(formatList('{{.Names}} {{.Label "tier"}}|{{.Labels}}', rows, 'container'), 'web front|app=x,tier=front\ndatabase |\n');
  assert.equal(formatList('{{json .}}', rows.slice(0, 1), 'container'), '{"ID":"abc","Names":"web","Labels":"app=x,tier=front"}\n');
});

test('an unknown field of a row is an error naming the fields; a malformed template too', () => {
  assert.throws(
    () => formatList('{{.Nope}}', [{ ID: 'a' }], 'container'),
    (e: unknown) => isHullError(e, 'INVALID_ARGUMENT') && /template parsing error: template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type container/.test(e.message) && /fields: ID/.test(e.hint ?? ''),
  );
  assert.throws(() => formatList('{{.ID', [{ ID: 'a' }], 'container'), (e: unknown) => isHullError(e) && /template: :1: unclosed action/.test(e.message));
  assert.throws(() => formatList('{{foo .ID}}', [], 'container'), (e: unknown) => isHullError(e) && /function "foo" not defined/.test(e.message));
});

test('tabwriter: a column is a run of lines with a tab-terminated cell there; trailing text is not padded', () => {
  assert.equal(alignColumns('aaaa\tbbb\td\naa\tb\tdd\na\naa\tcccc\teee'), 'aaaa      bbb       d\naa        b         dd\na\naa        cccc      eee');
  assert.equal(alignColumns('a-very-long-cell-here\tx\nb\ty'), 'a-very-long-cell-here   x\nb                       y');
});

test('inspect-style templates: struct fields are checked, map keys are not; no \\t escapes; JSON keeps struct order', async () => {
  const { renderTemplate } = await import('../output.js');
  const record = { Id: 'abc', State: { Status: 'running', Pid: 7 }, Config: { Labels: { b: '2', a: '1' } } };
  assert.equal(renderTemplate('{{.State.Status}}\\t{{.Config.Labels.none}}', record), 'running\\t<no value>');
  assert.equal(renderTemplate('{{json .State}} {{json .Config.Labels}}', record), '{"Status":"running","Pid":7} {"a":"1","b":"2"}');
  assert.throws(() => renderTemplate('{{.State.Nope}}', record), (e: unknown) => isHullError(e, 'INVALID_ARGUMENT') && /map has no entry for key "Nope"/.test(e.message) && e.hint === 'fields: Status, Pid');
  // A control character in a bad template is shown escaped.
  assert.throws(() => renderTemplate('{{.Id\x1b', record), (e: unknown) => isHullError(e) && e.message.includes('\\x1b') && !e.message.includes('\x1b'));
});
