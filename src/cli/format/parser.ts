/**
 * The parser of Go's text/template (text/template/parse/parse.go): items to a tree of actions,
 * control structures (if/else if/else, with/else with, range/else, break, continue), pipelines
 * and named templates (define, template, block). Functions and variables are checked here, as Go does, so `{{foo}}` and `{{$x}}` fail
 * before anything is printed.
 */
import { lex, TemplateSyntaxError, type Item } from './lexer.js';
import { argString, type Arg, type Command, type ControlNode, type Node, type Pipe, type Tree } from './ast.js';

const OPERAND_START = new Set(['bool', 'charConstant', 'dot', 'field', 'identifier', 'number', 'rawString', 'string', 'variable', 'leftParen']);

const describe = (it: Item): string => {
  switch (it.type) {
    case 'eof':
      return 'EOF';
    case 'rightDelim':
    case 'leftDelim':
      return `"${it.text}"`;
    case 'keyword':
      return `<${it.text}>`;
    case 'space':
      return 'space';
    default:
      return JSON.stringify(it.text);
  }
};

/** Parses a template; `functions` are the names a template may call. Throws TemplateSyntaxError. */
export function parseTemplate(text: string, functions: ReadonlySet<string>): Tree {
  const items = lex(text);
  let i = 0;
  const vars: string[] = ['$'];
  let rangeDepth = 0;

  const peek = () => items[i] as Item;
  const next = () => items[i++] as Item;
  const nextNonSpace = () => {
    let it = next();
    while (it.type === 'space') it = next();
    return it;
  };
  const peekNonSpace = () => {
    const it = nextNonSpace();
    i--;
    return it;
  };
  const fail = (it: Item, detail: string): never => {
    throw new TemplateSyntaxError(it.line, detail);
  };
  const unexpected = (it: Item, context: string): never => fail(it, `unexpected ${describe(it)} in ${context}`);
  const expectRightDelim = (context: string) => {
    const it = nextNonSpace();
    if (it.type !== 'rightDelim') unexpected(it, context);
  };

  /** Parses nodes until {{end}} or {{else}}; returns the list and the keyword that ended it. */
  function itemList(): [Node[], 'end' | 'else', Item] {
    const list: Node[] = [];
    for (;;) {
      const it = peekNonSpace();
      if (it.type === 'eof') fail(it, `unexpected EOF`);
      const n = textOrAction();
      if (n === 'end' || n === 'else') return [list, n, it];
      if (n) list.push(n);
    }
  }

  function textOrAction(): Node | 'end' | 'else' | undefined {
    const it = next();
    if (it.type === 'text') return { kind: 'text', text: it.text };
    if (it.type !== 'leftDelim') return unexpected(it, 'input');
    const kw = peekNonSpace();
    if (kw.type === 'keyword') {
      switch (kw.text) {
        case 'end':
          nextNonSpace();
          expectRightDelim('end');
          return 'end';
        case 'else':
          nextNonSpace();
          return 'else';
        case 'if':
        case 'with':
        case 'range':
          nextNonSpace();
          return control(kw.text, kw);
        case 'break':
        case 'continue':
          nextNonSpace();
          if (rangeDepth === 0) fail(kw, `{{${kw.text}}} outside {{range}}`);
          expectRightDelim(kw.text);
          return { kind: kw.text, pos: kw.pos, line: kw.line };
        case 'template': {
          nextNonSpace();
          const nameItem = nextNonSpace(); // Go places the node at its name
          const name = templateName(nameItem, 'template clause');
          const after = nextNonSpace();
          let pipe: Pipe | undefined;
          if (after.type !== 'rightDelim') {
            i--;
            pipe = pipeline('template clause', 'rightDelim');
          }
          return { kind: 'template', pos: nameItem.pos, line: nameItem.line, name, pipe };
        }
        case 'block': {
          nextNonSpace();
          const nameItem = nextNonSpace();
          const name = templateName(nameItem, 'block clause');
          const pipe = pipeline('block clause', 'rightDelim');
          defs.set(name, definitionBody('block clause'));
          return { kind: 'template', pos: nameItem.pos, line: nameItem.line, name, pipe };
        }
      }
    }
    const pipe = pipeline('command', 'rightDelim');
    return { kind: 'action', pos: pipe.pos, line: pipe.line, pipe };
  }

  function templateName(it: Item, context: string): string {
    if (it.type === 'rawString') return it.text.slice(1, -1);
    if (it.type === 'string') return unquote(it);
    return unexpected(it, context);
  }

  /** A {{define}} or {{block}} body: a template of its own, which sees only $ (Go: no dynamic scoping). */
  function definitionBody(context: string): Node[] {
    const [savedVars, savedDepth] = [vars.splice(0, vars.length, '$'), rangeDepth];
    rangeDepth = 0;
    const [body, ended, at] = itemList();
    if (ended !== 'end') fail(at, `unexpected {{else}} in ${context}`);
    vars.splice(0, vars.length, ...savedVars);
    rangeDepth = savedDepth;
    return body;
  }

  function control(kind: 'if' | 'with' | 'range', kw: Item): ControlNode {
    const mark = vars.length;
    if (kind === 'range') rangeDepth++;
    const pipe = pipeline(kind, 'rightDelim');
    const [list, ended] = itemList();
    if (kind === 'range') rangeDepth--;
    let elseList: Node[] | undefined;
    if (ended === 'else') {
      const after = peekNonSpace();
      // {{else if x}} and {{else with x}} are shorthands for {{else}}{{if x}}...{{end}}{{end}}.
      if (kind !== 'range' && after.type === 'keyword' && after.text === kind) {
        nextNonSpace();
        elseList = [control(kind, after)];
        vars.length = mark;
        return { kind, pos: kw.pos, line: kw.line, pipe, list, elseList };
      }
      expectRightDelim('input');
      const [els, ended2, at] = itemList();
      if (ended2 !== 'end') fail(at, `expected end; found {{else}}`);
      elseList = els;
    }
    vars.length = mark;
    return { kind, pos: kw.pos, line: kw.line, pipe, list, elseList };
  }

  function pipeline(context: string, end: 'rightDelim' | 'rightParen'): Pipe {
    const first = peekNonSpace();
    const pipe: Pipe = { pos: first.pos, line: first.line, decl: [], isAssign: false, cmds: [] };
    // Declarations: $x := / $x = / $k, $v := (range only).
    if (first.type === 'variable') {
      const save = i;
      nextNonSpace();
      const op = peekNonSpace();
      if (op.type === 'declare' || op.type === 'assign') {
        nextNonSpace();
        pipe.decl.push(first.text);
        pipe.isAssign = op.type === 'assign';
      } else if (op.type === 'char' && op.text === ',' && context === 'range') {
        nextNonSpace();
        const second = nextNonSpace();
        if (second.type !== 'variable') fail(second, `range can only initialize variables`);
        const op2 = nextNonSpace();
        if (op2.type !== 'declare' && op2.type !== 'assign') fail(op2, `expected := or = after the range variables`);
        pipe.decl.push(first.text, second.text);
        pipe.isAssign = op2.type === 'assign';
      } else if (op.type === 'char' && op.text === ',') {
        fail(op, `too many declarations in ${context}`);
      } else i = save;
      for (const v of pipe.decl) {
        if (pipe.isAssign) {
          if (!vars.includes(v)) fail(first, `undefined variable "${v}"`);
        } else vars.push(v);
      }
    }
    for (;;) {
      const it = nextNonSpace();
      if (it.type === end) {
        checkPipeline(pipe, context, it);
        return pipe;
      }
      if (!OPERAND_START.has(it.type) && !(it.type === 'keyword' && it.text === 'nil')) return unexpected(it, context);
      i--;
      pipe.cmds.push(command());
    }
  }

  /** Go's checkPipeline: a pipeline has a command, and only its first stage may be a constant. */
  function checkPipeline(pipe: Pipe, context: string, at: Item): void {
    if (pipe.cmds.length === 0) fail(at, `missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, n) => {
      const kind = c.args[0]?.kind;
      if (kind === 'bool' || kind === 'dot' || kind === 'nil' || kind === 'number' || kind === 'string') fail(at, `non executable command in pipeline stage ${n + 2}`);
    });
  }

  /** Operands up to `|` (consumed), `}}` or `)` (left for the pipeline), as Go's command(). */
  function command(): Command {
    const cmd: Command = { pos: peekNonSpace().pos, args: [] };
    for (;;) {
      peekNonSpace();
      const op = operand();
      if (op) cmd.args.push(op);
      const t = next();
      if (t.type === 'space') continue;
      if (t.type === 'rightDelim' || t.type === 'rightParen') i--;
      else if (t.type !== 'pipe') unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) fail(items[i] as Item, 'empty command');
    return cmd;
  }

  function operand(): Arg | undefined {
    const node = term();
    if (!node) return undefined;
    const fields: string[] = [];
    // Go places a chained field at its second part: `.State.Pid` is reported at `.Pid`.
    const chainPos = peek().pos;
    while (peek().type === 'field') fields.push(next().text.slice(1));
    if (fields.length === 0) return node;
    switch (node.kind) {
      case 'field':
        return { ...node, pos: chainPos, idents: [...node.idents, ...fields] };
      case 'variable':
        return { ...node, pos: chainPos, idents: [...node.idents, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        return fail(items[i - 1] as Item, `unexpected . after term "${argString(node)}"`);
      default:
        return { kind: 'chain', pos: chainPos, node, fields };
    }
  }

  /** One operand, or undefined (the item left in place) when the next item starts none. */
  function term(): Arg | undefined {
    const it = nextNonSpace();
    switch (it.type) {
      case 'identifier':
        if (!functions.has(it.text)) fail(it, `function "${it.text}" not defined`);
        return { kind: 'identifier', pos: it.pos, name: it.text };
      case 'dot':
        return { kind: 'dot', pos: it.pos };
      case 'keyword':
        if (it.text === 'nil') return { kind: 'nil', pos: it.pos };
        i--;
        return undefined;
      case 'variable':
        if (!vars.includes(it.text)) fail(it, `undefined variable "${it.text}"`);
        return { kind: 'variable', pos: it.pos, idents: [it.text] };
      case 'field':
        return { kind: 'field', pos: it.pos, idents: [it.text.slice(1)] };
      case 'bool':
        return { kind: 'bool', pos: it.pos, value: it.text === 'true' };
      case 'charConstant':
      case 'number':
        return parseNumber(it);
      case 'string':
      case 'rawString':
        return { kind: 'string', pos: it.pos, quoted: it.text, value: it.type === 'string' ? unquote(it) : it.text.slice(1, -1) };
      case 'leftParen': {
        const pipe = pipeline('parenthesized pipeline', 'rightParen');
        return { kind: 'pipe', pos: it.pos, pipe };
      }
      default:
        i--;
        return undefined;
    }
  }

  function parseNumber(it: Item): Arg {
    if (it.type === 'charConstant') {
      const ch = unquote({ ...it, text: `"${it.text.slice(1, -1).replace(/"/g, '\\"')}"` });
      if ([...ch].length !== 1) fail(it, `malformed character constant: ${it.text}`);
      return { kind: 'number', pos: it.pos, text: it.text, value: ch.codePointAt(0) ?? 0, isFloat: false };
    }
    const t = it.text.replace(/_/g, '');
    if (t.endsWith('i')) fail(it, `complex numbers are not supported: ${it.text}`);
    let value: number;
    let isFloat = false;
    if (/^[+-]?0[xX][0-9a-fA-F]+$/.test(t) || /^[+-]?0[oO][0-7]+$/.test(t) || /^[+-]?0[bB][01]+$/.test(t)) {
      const neg = t.startsWith('-');
      const body = t.replace(/^[+-]/, '');
      value = Number(body.slice(0, 2).toLowerCase() === '0o' ? `0o${body.slice(2)}` : body) * (neg ? -1 : 1);
    } else if (/^[+-]?0[0-7]+$/.test(t)) {
      value = parseInt(t, 8);
    } else {
      value = Number(t);
      isFloat = /[.eE]/.test(t);
    }
    if (Number.isNaN(value) || t === '' || t === '+' || t === '-') fail(it, `bad number syntax: "${it.text}"`);
    return { kind: 'number', pos: it.pos, text: it.text, value, isFloat };
  }

  function unquote(it: Item): string {
    try {
      return JSON.parse(it.text.replace(/\\'/g, "'").replace(/\\a/g, '\\u0007').replace(/\\v/g, '\\u000b').replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1')) as string;
    } catch {
      return fail(it, `malformed quoted string: ${it.text}`);
    }
  }

  const root: Node[] = [];
  const defs = new Map<string, Node[]>();
  while (peek().type !== 'eof') {
    // {{define "name"}}...{{end}}: only at the top level, as in Go.
    if (peek().type === 'leftDelim') {
      const save = i;
      next();
      const kw = nextNonSpace();
      if (kw.type === 'keyword' && kw.text === 'define') {
        const name = templateName(nextNonSpace(), 'define clause');
        const close = nextNonSpace();
        if (close.type !== 'rightDelim') unexpected(close, 'define clause');
        defs.set(name, definitionBody('define clause'));
        continue;
      }
      i = save;
    }
    const at = peekNonSpace();
    const n = textOrAction();
    if (n === 'end' || n === 'else') return fail(at, `unexpected {{${n}}}`);
    if (n) root.push(n);
  }
  return { text, root, defs };
}
