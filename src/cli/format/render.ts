/**
 * Docker's two uses of `--format`: inspect-style (the template run over each object's JSON,
 * a missing key an error) and list-style (one line per row context, `table` for aligned
 * columns under a header).
 */
import { TsrunError } from '../../sys/error';
import { HEADER_FUNCTIONS } from './functions';
import { tabwrite } from './tabwriter';
import { Template } from './template';
import { GoStruct, TemplateError } from './values';

/** A template Docker could not parse or run; `exitCode` as Docker's CLI exits for it. */
export class FormatError extends TsrunError {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(`Template parsing error: ${message}`);
  }
}

function compile(text: string, exitCode: number): Template {
  try {
    return new Template(text);
  } catch (e) {
    if (e instanceof TemplateError) throw new FormatError(e.message, exitCode);
    throw e;
  }
}

/**
 * `inspect -f`: each object's output and a newline; the objects it fails on as error lines
 * (Docker goes on with the others, then exits 1). A template that does not parse exits 64.
 */
export function renderEach(template: string, objects: unknown[]): { out: string; errors: string[] } {
  const t = compile(template, 64);
  let out = '';
  const errors: string[] = [];
  for (const o of objects) {
    try {
      out += `${t.execute(o, { missingKeyError: true })}\n`;
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      errors.push(`Template parsing error: ${e.message}`);
    }
  }
  return { out, errors };
}

/** A list's row: Docker's context type and its fields, each a method (`Label` takes a key). */
export function row(typeName: string, fields: Record<string, (...args: string[]) => string>): GoStruct {
  return new GoStruct(typeName, fields as Record<string, (...args: unknown[]) => unknown>);
}

/** Docker's header of a column for a label: the key's last dot-part, - and _ made spaces. */
function labelHeader(name: string): string {
  return name.split('.').pop()!.replace(/[-_]/g, ' ');
}

/**
 * A list in Docker's `--format`: `table ...` aligns columns under the header names, anything
 * else is one line per row; `\t` and `\n` typed in the format are a tab and a newline.
 */
export function renderList(format: string, rows: GoStruct[], headers: Record<string, string>): string {
  const table = format.startsWith('table');
  const text = (table ? format.slice('table'.length) : format).replace(/^ +| +$/g, '').replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  const t = compile(text, 1);
  let body = '';
  for (const r of rows) {
    try {
      body += `${t.execute(r)}\n`;
    } catch (e) {
      if (e instanceof TemplateError) throw new FormatError(e.message, 1);
      throw e;
    }
  }
  if (!table) return body;
  let header = '';
  try {
    const names = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, () => v]));
    header = t.withFunctions(HEADER_FUNCTIONS).execute(row('formatter.SubHeaderContext', { ...names, Label: labelHeader }));
  } catch (e) {
    // Docker prints what the header template wrote before it failed, and goes on.
    if (!(e instanceof TemplateError)) throw e;
  }
  return tabwrite(`${header}\n${body}`);
}
