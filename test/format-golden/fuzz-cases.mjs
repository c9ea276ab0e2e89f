// Writes fuzz-cases.json: 600 templates generated from a fixed seed (pipelines, constants, control
// structures, functions on mixed values), for a differential check against Go: oracle.go gives
// go-fuzz.json. Regenerate: node fuzz-cases.mjs && go run oracle.go < fuzz-cases.json > go-fuzz.json
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const parts = ['.S', '.N', '.E', '(printf "%5.1f|%q|%x" 2.25 .S 255)', '(slice .S 1 3)', '(json .L)', '(eq .N 0)', '(lt .S "z")', '(and .E .S)', '(or .E .N)', '(not .B)', "'a'", '0x10', '1e3',
  '.', '.A', '.A.B', '.A.C', '.B', '.L', '.L.k', '$', '$x', '"s"', '`r`', '1', '-2', '1.5', 'nil', 'true', 'false', '(len .B)', '(index .B 0)', '"%v-%d"', ' ', '|'];
const fns = ['', '', '', 'len ', 'index ', 'printf ', 'eq ', 'ne ', 'lt ', 'and ', 'or ', 'not ', 'print ', 'println ', 'json ', 'join ', 'split ', 'upper ', 'slice ', 'pad ', 'truncate ', 'title ', 'html ', 'urlquery '];
let seed = 20261207;
const rnd = (n) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
};
const data = { A: { B: [1, 'two', null], C: 'x' }, B: [3, 1], L: { k: 'v', Z: 2 }, S: 'hello', N: 0, E: '' };
const cases = [];
for (let i = 0; i < 600; i++) {
  let body = fns[rnd(fns.length)];
  const n = rnd(4);
  for (let j = 0; j < n; j++) body += parts[rnd(parts.length)] + ' ';
  if (rnd(4) === 0) body += '| ' + fns[rnd(fns.length)] + parts[rnd(parts.length)];
  const shapes = [`{{${body}}}`, `{{if ${body}}}Y{{else}}N{{end}}`, `{{range $i, $e := ${body}}}[{{$i}}:{{$e}}]{{else}}E{{end}}`, `{{with $x := ${body}}}<{{.}}>{{end}}`, `a {{- ${body} -}} b`];
  cases.push({ name: `fuzz ${i}`, template: shapes[rnd(shapes.length)] });
}
writeFileSync(fileURLToPath(import.meta.resolve('./fuzz-cases.json')), JSON.stringify({ data, cases }, null, 1) + '\n');
