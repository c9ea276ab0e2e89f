/**
 * Go templates as docker's `--format` and `inspect -f` use them: parse once, run per value, and
 * report a bad template or an unknown field as docker does ("template parsing error: ...") in a
 * HullError, so the command exits non-zero before or instead of printing half a result.
 */
import { HullError, showUntrusted } from '../../errors.js';
import { TemplateSyntaxError } from './lexer.js';
import { parseTemplate } from './parser.js';
import type { Tree } from './ast.js';
import { execute, TemplateExecError, type ExecOptions } from './exec.js';
import { FUNCTIONS, type TemplateFunction } from './funcs.js';

export interface GoTemplate {
  source: string;
  tree: Tree;
  functions: Record<string, TemplateFunction>;
}

const HINT = "the format is a Go template (https://pkg.go.dev/text/template) with docker's functions; see the README's command reference";

function templateError(source: string, detail: string, hint = HINT): HullError {
  return new HullError('INVALID_ARGUMENT', `Cannot use the format "${showUntrusted(source)}": template parsing error: ${showUntrusted(detail)}`, { hint });
}

/** Parses a template with docker's functions (or `functions`); throws INVALID_ARGUMENT. */
export function parseGoTemplate(source: string, functions: Record<string, TemplateFunction> = FUNCTIONS): GoTemplate {
  try {
    return { source, tree: parseTemplate(source, new Set(Object.keys(functions))), functions };
  } catch (e) {
    if (e instanceof TemplateSyntaxError) throw templateError(source, e.message);
    throw e;
  }
}

/** Runs a parsed template on one value; an unknown field's hint names the fields that value has. */
export function runGoTemplate(t: GoTemplate, data: unknown, options: Omit<ExecOptions, 'functions'> = {}): string {
  try {
    return execute(t.tree, data, { ...options, functions: t.functions });
  } catch (e) {
    if (e instanceof TemplateExecError) throw templateError(t.source, e.message, e.fields?.length ? `fields: ${e.fields.map(showUntrusted).join(', ')}` : HINT);
    throw e;
  }
}
