/**
 * The executor of Go's text/template (text/template/exec.go) over JSON-shaped values: maps are
 * plain objects, lists are arrays, methods are non-enumerable function properties (so that
 * `{{json .}}` and `{{.}}` do not show them). Errors read as Go's do:
 * `template: :LINE:COL: executing "" at <NODE>: MESSAGE`.
 */
import { argString, commandString, pipeString, type Arg, type Command, type ControlNode, type Node, type Pipe, type Tree } from './ast.js';
import { compareKeys, formatValue, goType } from './gofmt.js';
import { checkConstant, checkParam, FunctionError, isTrue, type TemplateFunction } from './funcs.js';

/**
 * A non-enumerable property naming the docker type a value stands for (a `ps` row is docker's
 * ContainerContext): a field it lacks is an error, "can't evaluate field X in type T", as on
 * docker's typed values, instead of Go's <no value> for a key missing from a map.
 */
export const TYPE_NAME = Symbol('template type name');

export interface ExecOptions {
  functions: Record<string, TemplateFunction>;
  /**
   * Go's missingkey option: "default" prints <no value>, "error" fails. "struct" fails only in a
   * map whose keys all start with a capital letter: that is one of docker's structs in JSON (State,
   * Config), where docker reports an unknown field, while a real map (Labels) yields <no value>.
   */
  missingKey?: 'default' | 'error' | 'struct';
  /** Return what was written before an error instead of throwing (docker's table header). */
  partialOnError?: boolean;
}

export class TemplateExecError extends Error {
  /** For an unknown field: the fields the value has, for a hint. */
  fields: string[] | undefined;
}

const MISSING = Symbol('missing');
/** Go allows 100,000 nested {{template}} calls; JavaScript's stack holds fewer. */
const MAX_DEPTH = 1000;
type Final = unknown;
class Break {}
class Continue {}

export function execute(tree: Tree, data: unknown, options: ExecOptions): string {
  const out: string[] = [];
  const vars: { name: string; value: unknown; iface?: boolean }[] = [{ name: '$', value: data }];
  const missingKey = options.missingKey ?? 'default';
  /** The template being run ("" is the main one), for "executing NAME" in messages. */
  let current = '';
  let depth = 0;

  const fail = (pos: number, context: string, message: string, fields?: string[]): never => {
    const before = tree.text.slice(0, pos);
    const lineStart = before.lastIndexOf('\n') + 1;
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const col = Buffer.byteLength(before.slice(lineStart));
    const err = new TemplateExecError(`template: :${line}:${col}: executing ${JSON.stringify(current)} at <${context}>: ${message}`);
    err.fields = fields;
    throw err;
  };

  /**
   * Whether dot is an element of a JSON list or map: Go then sees it as interface {}, which
   * its messages name ("in type interface {}"), where a value from a pipeline has its own type.
   */
  let dotIface = false;

  function walk(dot: unknown, nodes: Node[], iface = false): void {
    const savedIface = dotIface;
    dotIface = iface;
    try {
      walkNodes(dot, nodes);
    } finally {
      dotIface = savedIface;
    }
  }

  function walkNodes(dot: unknown, nodes: Node[]): void {
    for (const node of nodes) {
      switch (node.kind) {
        case 'text':
          out.push(node.text);
          break;
        case 'action': {
          const v = evalPipeline(dot, node.pipe);
          if (node.pipe.decl.length === 0) out.push(printable(v, node.pipe));
          break;
        }
        case 'if':
        case 'with': {
          const mark = vars.length;
          const v = evalPipeline(dot, node.pipe);
          if (isTrue(v)) walk(node.kind === 'with' ? v : dot, node.list, node.kind === 'with' ? false : dotIface);
          else if (node.elseList) walk(dot, node.elseList, dotIface);
          vars.length = mark;
          break;
        }
        case 'range':
          walkRange(dot, node);
          break;
        case 'template':
          walkTemplate(dot, node);
          break;
        case 'break':
          throw new Break();
        case 'continue':
          throw new Continue();
      }
    }
  }

  /** {{template "name" pipe}}: the named template with the pipeline's value as dot and as $. */
  function walkTemplate(dot: unknown, node: Extract<Node, { kind: 'template' }>): void {
    const context = `{{template ${JSON.stringify(node.name)}${node.pipe ? ` ${pipeString(node.pipe)}` : ''}}}`;
    const body = tree.defs.get(node.name);
    if (!body) return fail(node.pos, context, `template ${JSON.stringify(node.name)} not defined`);
    if (depth >= MAX_DEPTH) fail(node.pos, context, `exceeded maximum template depth (${MAX_DEPTH})`);
    const value = node.pipe ? evalPipeline(dot, node.pipe) : undefined;
    const saved = vars.splice(0, vars.length, { name: '$', value });
    const savedName = current;
    depth++;
    current = node.name;
    try {
      walk(value, body);
    } finally {
      depth--;
      current = savedName;
      vars.splice(0, vars.length, ...saved);
    }
  }

  function walkRange(dot: unknown, node: ControlNode): void {
    const mark = vars.length;
    const val = evalPipeline(dot, node.pipe);
    const inner = vars.length;
    // The elements of a JSON list or map are interface {} to Go; a []string's are strings.
    const elemIface = (Array.isArray(val) && goType(val) !== '[]string') || (typeof val === 'object' && val !== null && !Array.isArray(val));
    const one = (index: unknown, elem: unknown): boolean => {
      // As Go's setTopVar: the last declared variable is the element, the one before it the key.
      if (node.pipe.decl.length > 0) Object.assign(vars[inner - 1] as object, { value: elem, iface: elemIface });
      if (node.pipe.decl.length > 1) Object.assign(vars[inner - 2] as object, { value: index, iface: false });
      try {
        walk(elem, node.list, elemIface);
      } catch (e) {
        if (e instanceof Break) return false;
        if (!(e instanceof Continue)) throw e;
      } finally {
        vars.length = inner;
      }
      return true;
    };
    let ran = false;
    if (Array.isArray(val)) {
      for (let i = 0; i < val.length; i++) {
        ran = true;
        if (!one(i, val[i])) break;
      }
    } else if (typeof val === 'number' && Number.isInteger(val)) {
      if (node.pipe.decl.length > 1) fail(node.pos, pipeString(node.pipe), `can't use ${val} to iterate over more than one variable`);
      for (let i = 0; i < val; i++) {
        ran = true;
        // Go sets the one variable to the index (which is also the element).
        if (!one(i, i)) break;
      }
    } else if (typeof val === 'object' && val !== null && typeof val !== 'function') {
      for (const k of Object.keys(val).sort(compareKeys)) {
        ran = true;
        if (!one(k, (val as Record<string, unknown>)[k])) break;
      }
    } else if (val !== undefined && val !== null) {
      fail(node.pipe.pos, pipeString(node.pipe), `range can't iterate over ${formatValue(val)}`);
    }
    if (!ran && node.elseList) walk(dot, node.elseList, dotIface);
    vars.length = mark;
  }

  function printable(v: unknown, pipe: Pipe): string {
    if (v === undefined || v === null) return '<no value>';
    if (typeof v === 'function') return fail(pipe.pos, pipeString(pipe), `can't print ${pipeString(pipe)} of type func`);
    return formatValue(v);
  }

  function evalPipeline(dot: unknown, pipe: Pipe): unknown {
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) value = evalCommand(dot, cmd, value);
    for (const name of pipe.decl) {
      if (pipe.isAssign) {
        const v = [...vars].reverse().find((x) => x.name === name);
        if (v) v.value = value;
      } else vars.push({ name, value });
    }
    return value;
  }

  function notAFunction(args: Arg[], final: Final): void {
    if (args.length > 1 || final !== MISSING) fail(args[0]?.pos ?? 0, argString(args[0] as Arg), `can't give argument to non-function ${argString(args[0] as Arg)}`);
  }

  function evalCommand(dot: unknown, cmd: Command, final: Final): unknown {
    const first = cmd.args[0] as Arg;
    switch (first.kind) {
      case 'field':
        return evalFieldChain(dot, dot, first, first.idents, cmd.args, final, dotIface);
      case 'chain':
        return evalFieldChain(dot, evalArg(dot, first.node, cmd), first, first.fields, cmd.args, final);
      case 'identifier':
        return evalCall(dot, first.name, cmd, final);
      case 'variable':
        return evalVariable(first, cmd.args, final);
      case 'pipe':
        notAFunction(cmd.args, final);
        return evalPipeline(dot, first.pipe);
      case 'nil':
        return fail(first.pos, 'nil', 'nil is not a command');
      default:
        notAFunction(cmd.args, final);
        return evalArg(dot, first, cmd);
    }
  }

  function evalArg(dot: unknown, arg: Arg, cmd: Command): unknown {
    switch (arg.kind) {
      case 'field':
        return evalFieldChain(dot, dot, arg, arg.idents, [arg], MISSING, dotIface);
      case 'variable':
        return evalVariable(arg, [arg], MISSING);
      case 'chain':
        return evalFieldChain(dot, evalArg(dot, arg.node, cmd), arg, arg.fields, [arg], MISSING);
      case 'identifier':
        return evalCall(dot, arg.name, { pos: arg.pos, args: [arg] }, MISSING);
      case 'pipe':
        return evalPipeline(dot, arg.pipe);
      case 'dot':
        return dot;
      case 'nil':
        return null;
      case 'bool':
      case 'number':
      case 'string':
        return arg.value;
    }
  }

  function evalVariable(node: Extract<Arg, { kind: 'variable' }>, args: Arg[], final: Final): unknown {
    const name = node.idents[0] as string;
    const found = [...vars].reverse().find((v) => v.name === name);
    if (!found) return fail(node.pos, name, `undefined variable: ${name}`);
    if (node.idents.length === 1) {
      notAFunction(args, final);
      return found.value;
    }
    return evalFieldChain(undefined, found.value, node, node.idents.slice(1), args, final, found.iface === true);
  }

  function evalFieldChain(dot: unknown, receiver: unknown, node: Arg, idents: string[], args: Arg[], final: Final, iface = false): unknown {
    let r = receiver;
    for (let i = 0; i < idents.length - 1; i++) r = evalField(dot, idents[i] as string, node, [], MISSING, r, i > 0 || iface);
    return evalField(dot, idents[idents.length - 1] as string, node, args, final, r, idents.length > 1 || iface);
  }

  function evalField(dot: unknown, name: string, node: Arg, args: Arg[], final: Final, receiver: unknown, iface: boolean): unknown {
    const ctx = argString(node);
    if (receiver === undefined) {
      if (missingKey === 'error') fail(node.pos, ctx, `nil data; no entry for key "${name}"`);
      return undefined;
    }
    if (receiver === null) return fail(node.pos, ctx, `nil pointer evaluating interface {}.${name}`);
    const hasArgs = args.length > 1 || final !== MISSING;
    if (typeof receiver === 'object' && !Array.isArray(receiver)) {
      const member = (receiver as Record<string, unknown>)[name];
      if (typeof member === 'function' && !Object.prototype.propertyIsEnumerable.call(receiver, name)) {
        return callMethod(dot, name, member as (...a: unknown[]) => unknown, node, args, final);
      }
      if (Object.hasOwn(receiver, name)) {
        if (hasArgs) fail(node.pos, ctx, `${name} is not a method but has arguments`);
        return member;
      }
      const typeName = (receiver as { [TYPE_NAME]?: string })[TYPE_NAME];
      const fields = Object.keys(receiver);
      if (typeName) return fail(node.pos, ctx, `can't evaluate field ${name} in type ${typeName}`, fields);
      if (hasArgs) fail(node.pos, ctx, `${name} is not a method but has arguments`);
      if (missingKey === 'error' || (missingKey === 'struct' && isStructLike(receiver))) fail(node.pos, ctx, `map has no entry for key "${name}"`, fields);
      return undefined;
    }
    return fail(node.pos, ctx, `can't evaluate field ${name} in type ${iface ? 'interface {}' : goType(receiver)}`);
  }

  function callMethod(dot: unknown, name: string, method: (...a: unknown[]) => unknown, node: Arg, args: Arg[], final: Final): unknown {
    const values = args.slice(1).map((a) => evalArg(dot, a, { pos: node.pos, args }));
    if (final !== MISSING) values.push(final);
    if (values.length !== method.length) fail(node.pos, argString(node), `wrong number of args for ${name}: want ${method.length} got ${values.length}`);
    try {
      return method(...values);
    } catch (e) {
      return fail(node.pos, argString(node), `error calling ${name}: ${(e as Error).message}`);
    }
  }

  function evalCall(dot: unknown, name: string, cmd: Command, final: Final): unknown {
    const fn = options.functions[name] as TemplateFunction;
    const argNodes = cmd.args.slice(1);
    const numIn = argNodes.length + (final === MISSING ? 0 : 1);
    const want = fn.params.length;
    const ctx = commandString(cmd);
    if (fn.variadic ? numIn < want - 1 : numIn !== want) {
      fail(cmd.pos, name, `wrong number of args for ${name}: want ${fn.variadic ? 'at least ' : ''}${fn.variadic ? want - 1 : want} got ${numIn}`);
    }
    // and/or stop at the first argument that decides (Go 1.18).
    if (name === 'and' || name === 'or') {
      let v: unknown;
      for (const a of argNodes) {
        v = evalArg(dot, a, cmd);
        if (isTrue(v) === (name === 'or')) return v;
      }
      return final === MISSING ? v : final;
    }
    const values = argNodes.map((a) => evalArg(dot, a, cmd));
    if (final !== MISSING) values.push(final);
    values.forEach((v, i) => {
      const node = argNodes[i];
      const param = fn.params[Math.min(i, want - 1)] ?? 'a';
      try {
        if (node && (node.kind === 'number' || node.kind === 'bool' || node.kind === 'string' || node.kind === 'nil')) checkConstant(param, v, argString(node));
        else checkParam(param, v);
      } catch (e) {
        // Go reports at the node it evaluated last: for the piped-in value, the last argument.
        const at = argNodes[i] ?? argNodes[argNodes.length - 1];
        fail(at?.pos ?? cmd.pos, at ? argString(at) : ctx, (e as Error).message);
      }
    });
    try {
      return fn.call(values);
    } catch (e) {
      if (e instanceof FunctionError || e instanceof RangeError) return fail(cmd.pos, ctx, `error calling ${name}: ${e.message}`);
      throw e;
    }
  }

  try {
    walk(data, tree.root);
  } catch (e) {
    if (!(options.partialOnError && e instanceof TemplateExecError)) throw e;
  }
  return out.join('');
}

function isStructLike(v: object): boolean {
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => /^[A-Z]/.test(k));
}
