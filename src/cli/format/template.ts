/**
 * Go's text/template, as Docker's `--format` runs it: parse once, execute against each object.
 * Semantics follow Go's documentation (pkg.go.dev/text/template): fields of maps and of
 * Docker's contexts, variables with block scope, pipelines whose value is the last argument
 * of the next command, and Go's printing of what an action yields.
 */
import { parse, type Arg, type Block, type Command, type Node, type Pipeline } from './parser';
import { CallError, FUNCTIONS, type TemplateFunction } from './functions';
import { GoStruct, goString, isMap, NO_VALUE, TemplateError, truth } from './values';

/** No value passed on from a previous command (Go's missingVal). */
const NONE = Symbol('none');
class Break {}
class Continue {}

interface Variable {
  name: string;
  value: unknown;
}

export interface ExecuteOptions {
  /** Go's Option("missingkey=error"): a map key not there is an error, not `<no value>`. */
  missingKeyError?: boolean;
}

export class Template {
  private readonly tree: Node[];

  constructor(
    private readonly src: string,
    private readonly functions: Record<string, TemplateFunction> = FUNCTIONS,
  ) {
    this.tree = parse(src, new Set(Object.keys(functions)));
  }

  /** The same parsed template with other functions (Docker's header functions); names must match. */
  withFunctions(functions: Record<string, TemplateFunction>): Template {
    return new Template(this.src, functions);
  }

  execute(data: unknown, options: ExecuteOptions = {}): string {
    return new Execution(this.src, this.functions, options, data).run(this.tree);
  }
}

class Execution {
  private out = '';
  private readonly vars: Variable[];

  constructor(
    private readonly src: string,
    private readonly functions: Record<string, TemplateFunction>,
    private readonly options: ExecuteOptions,
    data: unknown,
  ) {
    this.vars = [{ name: '$', value: data }];
  }

  run(tree: Node[]): string {
    this.walk(tree, this.vars[0]!.value);
    return this.out;
  }

  private fail(pos: number, context: string, msg: string): never {
    const before = this.src.slice(0, pos);
    const line = before.split('\n').length;
    const col = Buffer.byteLength(before.slice(before.lastIndexOf('\n') + 1));
    const ctx = context.length > 20 ? `${context.slice(0, 20)}...` : context;
    throw new TemplateError(`template: :${line}:${col}: executing "" at <${ctx}>: ${msg}`);
  }

  private walk(nodes: Node[], dot: unknown): void {
    for (const n of nodes) this.node(n, dot);
  }

  private scoped(fn: () => void): void {
    const mark = this.vars.length;
    try {
      fn();
    } finally {
      this.vars.length = mark;
    }
  }

  private node(n: Node, dot: unknown): void {
    switch (n.type) {
      case 'text':
        this.out += n.text;
        return;
      case 'action': {
        const v = this.pipeline(n.pipe, dot);
        if (n.pipe.decl.length === 0) this.out += goString(v);
        return;
      }
      case 'break':
        throw new Break();
      case 'continue':
        throw new Continue();
      case 'if':
      case 'with':
        this.scoped(() => {
          const v = this.pipeline(n.pipe, dot);
          if (truth(v)) this.walk(n.list, n.type === 'with' ? v : dot);
          else if (n.elseList) this.walk(n.elseList, dot);
        });
        return;
      case 'range':
        this.scoped(() => this.range(n, dot));
    }
  }

  private range(n: Block, dot: unknown): void {
    const v = this.pipeline(n.pipe, dot, false);
    let entries: Array<[unknown, unknown]>;
    if (Array.isArray(v)) entries = v.map((x, i) => [i, x]);
    else if (isMap(v)) entries = Object.keys(v).sort().map((k) => [k, v[k]]);
    else if (v === null || v === undefined || v === NO_VALUE) entries = [];
    else return this.fail(n.pipe.pos, n.pipe.text, `range can't iterate over ${goString(v, true)}`);
    if (entries.length === 0) {
      if (n.elseList) this.walk(n.elseList, dot);
      return;
    }
    const mark = this.vars.length;
    for (const [key, elem] of entries) {
      // One variable is the element; two are the key (or index) and the element.
      if (n.pipe.decl.length === 1) this.setVar(n.pipe, n.pipe.decl[0]!, elem, mark);
      if (n.pipe.decl.length === 2) {
        this.setVar(n.pipe, n.pipe.decl[0]!, key, mark);
        this.setVar(n.pipe, n.pipe.decl[1]!, elem, mark + 1);
      }
      try {
        this.scoped(() => this.walk(n.list, elem));
      } catch (e) {
        if (e instanceof Break) break;
        if (!(e instanceof Continue)) throw e;
      }
    }
  }

  /** Range variables: declared once at `slot`, or assigned (`=`) to an outer variable. */
  private setVar(pipe: Pipeline, name: string, value: unknown, slot: number): void {
    if (pipe.assign) this.assign(name, value);
    else this.vars[slot] = { name, value };
  }

  private assign(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
  }

  private lookup(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    return NO_VALUE;
  }

  private pipeline(pipe: Pipeline, dot: unknown, declare = true): unknown {
    let value: unknown = NONE;
    for (const cmd of pipe.cmds) value = this.command(cmd, dot, value);
    if (declare && pipe.decl.length === 1) {
      if (pipe.assign) this.assign(pipe.decl[0]!, value);
      else this.vars.push({ name: pipe.decl[0]!, value });
    }
    return value;
  }

  private command(cmd: Command, dot: unknown, final: unknown): unknown {
    const [first, ...rest] = cmd.args as [Arg, ...Arg[]];
    const noArgs = (): void => {
      if (rest.length > 0 || final !== NONE) this.fail(first.pos, first.text, `can't give argument to non-function ${first.text}`);
    };
    switch (first.type) {
      case 'field':
        return this.chain(dot, first.names, first, rest, dot, final);
      case 'variable': {
        const v = this.lookup(first.name);
        if (first.names.length > 0) return this.chain(v, first.names, first, rest, dot, final);
        noArgs();
        return v;
      }
      case 'pipeline': {
        const v = this.pipeline(first.pipe, dot, false);
        if (first.names.length > 0) return this.chain(v, first.names, first, rest, dot, final);
        noArgs();
        return v;
      }
      case 'function':
        return this.call(first.name, cmd, rest, dot, final);
      case 'dot':
        noArgs();
        return dot;
      case 'constant':
        noArgs();
        return first.value;
      case 'nil':
        return this.fail(first.pos, first.text, 'nil is not a command');
    }
  }

  private arg(a: Arg, dot: unknown): unknown {
    switch (a.type) {
      case 'field':
        return this.chain(dot, a.names, a, [], dot, NONE);
      case 'variable':
        return a.names.length > 0 ? this.chain(this.lookup(a.name), a.names, a, [], dot, NONE) : this.lookup(a.name);
      case 'pipeline': {
        const v = this.pipeline(a.pipe, dot, false);
        return a.names.length > 0 ? this.chain(v, a.names, a, [], dot, NONE) : v;
      }
      case 'function':
        return this.call(a.name, { args: [a], pos: a.pos, text: a.text }, [], dot, NONE);
      case 'dot':
        return dot;
      case 'constant':
        return a.value;
      case 'nil':
        return null;
    }
  }

  private call(name: string, cmd: Command, args: Arg[], dot: unknown, final: unknown): unknown {
    const fn = this.functions[name]!;
    // and/or stop at the first argument that decides them, as Go 1.18 does.
    if (name === 'and' || name === 'or') {
      let v: unknown = NONE;
      const all = [...args.map((a) => () => this.arg(a, dot)), ...(final === NONE ? [] : [() => final])];
      if (all.length === 0) this.fail(cmd.pos, cmd.text, `wrong number of args for ${name}: want at least 1 got 0`);
      for (const get of all) {
        v = get();
        if (truth(v) === (name === 'or')) return v;
      }
      return v;
    }
    const values = args.map((a) => this.arg(a, dot));
    if (final !== NONE) values.push(final);
    try {
      return fn(...values.map((v) => (v === NO_VALUE ? null : v)));
    } catch (e) {
      if (!(e instanceof CallError)) throw e;
      const pre = /^(wrong number of args|wrong type for value|missing argument)/.test(e.message);
      return this.fail(cmd.pos, cmd.text, pre ? e.message : `error calling ${name}: ${e.message}`);
    }
  }

  /** `.A.B.C` from `receiver`: only the last name takes the command's arguments. */
  private chain(receiver: unknown, names: string[], node: Arg, args: Arg[], dot: unknown, final: unknown): unknown {
    let v = receiver;
    names.forEach((name, i) => {
      const last = i === names.length - 1;
      v = this.field(v, name, node, last ? args : [], dot, last ? final : NONE);
    });
    return v;
  }

  private field(receiver: unknown, name: string, node: Arg, args: Arg[], dot: unknown, final: unknown): unknown {
    const hasArgs = args.length > 0 || final !== NONE;
    if (receiver instanceof GoStruct) {
      const m = receiver.methods[name];
      if (!m) return this.fail(node.pos, node.text, `can't evaluate field ${name} in type ${receiver.typeName}`);
      const values = args.map((a) => this.arg(a, dot));
      if (final !== NONE) values.push(final);
      if (values.length !== m.length) return this.fail(node.pos, node.text, `wrong number of args for ${name}: want ${m.length} got ${values.length}`);
      if (values.some((x) => typeof x !== 'string')) return this.fail(node.pos, node.text, `wrong type for value; expected string; got ${values.map((x) => (typeof x === 'string' ? '' : typeof x)).find(Boolean)}`);
      return m(...values);
    }
    if (receiver === null || receiver === undefined || receiver === NO_VALUE) {
      if (this.options.missingKeyError) return this.fail(node.pos, node.text, `nil data; no entry for key "${name}"`);
      return NO_VALUE;
    }
    if (isMap(receiver)) {
      if (hasArgs) return this.fail(node.pos, node.text, `${name} is not a method but has arguments`);
      if (Object.prototype.hasOwnProperty.call(receiver, name)) return receiver[name];
      if (this.options.missingKeyError) return this.fail(node.pos, node.text, `map has no entry for key "${name}"`);
      return NO_VALUE;
    }
    return this.fail(node.pos, node.text, `can't evaluate field ${name} in type ${Array.isArray(receiver) ? '[]interface {}' : typeof receiver === 'number' ? (Number.isInteger(receiver) ? 'int' : 'float64') : typeof receiver === 'boolean' ? 'bool' : 'string'}`);
  }
}
