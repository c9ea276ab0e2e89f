/**
 * The tree a parsed template is (the nodes of Go's text/template/parse), and the nodes printed
 * as Go's String() methods print them, for "executing ... at <NODE>" in error messages.
 */
export type Arg =
  | { kind: 'field'; pos: number; idents: string[] }
  | { kind: 'variable'; pos: number; idents: string[] }
  | { kind: 'identifier'; pos: number; name: string }
  | { kind: 'dot'; pos: number }
  | { kind: 'nil'; pos: number }
  | { kind: 'bool'; pos: number; value: boolean }
  | { kind: 'number'; pos: number; text: string; value: number; isFloat: boolean }
  | { kind: 'string'; pos: number; quoted: string; value: string }
  | { kind: 'pipe'; pos: number; pipe: Pipe }
  | { kind: 'chain'; pos: number; node: Arg; fields: string[] };

export interface Command {
  pos: number;
  args: Arg[];
}

export interface Pipe {
  pos: number;
  line: number;
  /** Variables the pipeline declares ($x :=) or assigns ($x =). */
  decl: string[];
  isAssign: boolean;
  cmds: Command[];
}

export interface ControlNode {
  kind: 'if' | 'with' | 'range';
  pos: number;
  line: number;
  pipe: Pipe;
  list: Node[];
  elseList: Node[] | undefined;
}

export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pos: number; line: number; pipe: Pipe }
  | ControlNode
  | { kind: 'break' | 'continue'; pos: number; line: number }
  /** {{template "name" pipeline}}, and where a {{block}} stood. */
  | { kind: 'template'; pos: number; line: number; name: string; pipe: Pipe | undefined };

export interface Tree {
  text: string;
  root: Node[];
  /** Templates named by {{define}} and {{block}}. */
  defs: Map<string, Node[]>;
}

/** A node as Go's String() prints it, for "executing ... at <NODE>" in error messages. */
export function argString(a: Arg): string {
  switch (a.kind) {
    case 'field':
      return a.idents.map((x) => `.${x}`).join('');
    case 'variable':
      return a.idents.join('.');
    case 'identifier':
      return a.name;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(a.value);
    case 'number':
      return a.text;
    case 'string':
      return a.quoted;
    case 'pipe':
      return pipeString(a.pipe); // Go's PipeNode prints bare; commands and chains add parentheses
    case 'chain':
      return `${inParens(a.node)}${a.fields.map((f) => `.${f}`).join('')}`;
  }
}

const inParens = (a: Arg) => (a.kind === 'pipe' ? `(${argString(a)})` : argString(a));

export function commandString(c: Command): string {
  return c.args.map(inParens).join(' ');
}

export function pipeString(p: Pipe): string {
  const decl = p.decl.length ? `${p.decl.join(', ')} ${p.isAssign ? '=' : ':='} ` : '';
  return decl + p.cmds.map(commandString).join(' | ');
}
