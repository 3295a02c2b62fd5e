/** Go text/template's parser: tokens to a tree of text, actions and if/range/with blocks. */
import { lex, lineOf, type Token } from './lexer';
import { TemplateError } from './values';

export type Arg =
  | { type: 'field'; names: string[]; pos: number; text: string }
  | { type: 'variable'; name: string; names: string[]; pos: number; text: string }
  | { type: 'dot'; pos: number; text: string }
  | { type: 'function'; name: string; pos: number; text: string }
  | { type: 'constant'; value: unknown; pos: number; text: string }
  | { type: 'nil'; pos: number; text: string }
  | { type: 'pipeline'; pipe: Pipeline; names: string[]; pos: number; text: string };

export interface Command {
  args: Arg[];
  pos: number;
  text: string;
}

export interface Pipeline {
  decl: string[];
  assign: boolean;
  cmds: Command[];
  pos: number;
  text: string;
}

export interface Block {
  type: 'if' | 'with' | 'range';
  pipe: Pipeline;
  list: Node[];
  elseList: Node[] | null;
}

export type Node =
  | { type: 'text'; text: string }
  | { type: 'action'; pipe: Pipeline }
  | Block
  | { type: 'break' | 'continue'; pos: number };

/** Names a template may call; the caller's function table, known at parse time as in Go. */
export function parse(src: string, functions: ReadonlySet<string>): Node[] {
  return new Parser(src, lex(src), functions).top();
}

function unquote(s: string): string {
  if (s.startsWith('`')) return s.slice(1, -1);
  const body = s.slice(1, -1).replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1').replace(/\\U([0-9a-fA-F]{8})/g, (_m, h: string) => `\\u{${h}}`).replace(/\\a/g, '\\u0007').replace(/\\'/g, "'");
  return JSON.parse(`"${body.replace(/\\u\{([0-9a-fA-F]+)\}/g, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)).replace(/"/g, '\\"'))}"`) as string;
}

function number(text: string): number {
  if (text.startsWith("'")) return unquote(`"${text.slice(1, -1).replace(/"/g, '\\"')}"`).codePointAt(0)!;
  const clean = text.replace(/_/g, '');
  return /^[+-]?0[xX]/.test(clean) ? parseInt(clean, 16) : Number(clean);
}

class Parser {
  private i = 0;
  /** Variables in scope, innermost last; `$` is always there. */
  private vars: string[] = ['$'];
  private loops = 0;

  constructor(
    private readonly src: string,
    private readonly tokens: Token[],
    private readonly functions: ReadonlySet<string>,
  ) {}

  private fail(pos: number, msg: string): never {
    throw new TemplateError(`template: :${lineOf(this.src, pos)}: ${msg}`);
  }

  private peek(): Token {
    return this.tokens[this.i]!;
  }

  private next(): Token {
    return this.tokens[this.i++]!;
  }

  top(): Node[] {
    const { list, end } = this.list();
    if (end) this.fail(end.pos, `unexpected {{${end.value}}}`);
    return list;
  }

  /** Nodes up to `{{end}}` or `{{else ...}}` (returned, not consumed past its keyword) or EOF. */
  private list(): { list: Node[]; end: Token | null } {
    const list: Node[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === 'eof') return { list, end: null };
      if (t.kind === 'text') {
        list.push({ type: 'text', text: t.value });
        continue;
      }
      const k = this.peek();
      if (k.kind === 'keyword') {
        if (k.value === 'end' || k.value === 'else') {
          this.next();
          return { list, end: k };
        }
        this.next();
        list.push(this.control(k));
        continue;
      }
      list.push({ type: 'action', pipe: this.pipeline('command', true) });
    }
  }

  private expectRight(context: string): void {
    const t = this.next();
    if (t.kind !== 'right') this.fail(t.pos, `unexpected ${this.describe(t)} in ${context}`);
  }

  private describe(t: Token): string {
    if (t.kind === 'eof') return 'EOF';
    if (t.kind === 'right') return '"}}"';
    return `"${t.value}"`;
  }

  private control(k: Token): Node {
    const word = k.value;
    if (word === 'break' || word === 'continue') {
      if (this.loops === 0) this.fail(k.pos, `{{${word}}} outside {{range}}`);
      this.expectRight(word);
      return { type: word, pos: k.pos };
    }
    if (word !== 'if' && word !== 'with' && word !== 'range') this.fail(k.pos, `{{${word}}} is not supported by tsrun's templates`);
    const scope = this.vars.length;
    const pipe = this.pipeline(word, word !== 'range' ? true : 'range');
    if (word === 'range') this.loops++;
    const body = this.list();
    if (word === 'range') this.loops--;
    if (!body.end) this.fail(this.src.length, 'unexpected EOF');
    let elseList: Node[] | null = null;
    if (body.end!.value === 'else') {
      const after = this.peek();
      if ((word === 'if' || word === 'with') && after.kind === 'keyword' && after.value === word) {
        // {{else if ...}} is {{else}}{{if ...}}...{{end}}, sharing this block's {{end}}.
        this.next();
        elseList = [this.control(after)];
        this.vars.length = scope;
        return { type: word, pipe, list: body.list, elseList };
      }
      this.expectRight('else');
      const rest = this.list();
      if (!rest.end) this.fail(this.src.length, 'unexpected EOF');
      if (rest.end!.value !== 'end') this.fail(rest.end!.pos, 'expected end; found {{else}}');
      elseList = rest.list;
    }
    this.expectRight('end');
    this.vars.length = scope;
    return { type: word, pipe, list: body.list, elseList };
  }

  /** A pipeline up to `}}`, or up to `)` when nested. */
  private pipeline(context: string, decls: boolean | 'range', nested = false): Pipeline {
    const start = this.peek().pos;
    const decl: string[] = [];
    let assign = false;
    if (decls && this.peek().kind === 'variable') {
      const save = this.i;
      const v1 = this.next();
      let ok = false;
      if (this.peek().kind === 'declare' || this.peek().kind === 'assign') {
        assign = this.next().kind === 'assign';
        decl.push(v1.value);
        ok = true;
      } else if (decls === 'range' && this.peek().kind === 'comma') {
        this.next();
        const v2 = this.next();
        if (v2.kind !== 'variable') this.fail(v2.pos, `range can only initialize variables`);
        const op = this.next();
        if (op.kind !== 'declare' && op.kind !== 'assign') this.fail(op.pos, `unexpected ${this.describe(op)} in range`);
        assign = op.kind === 'assign';
        decl.push(v1.value, v2.value);
        ok = true;
      }
      if (!ok) this.i = save;
      else if (assign) decl.forEach((v) => this.vars.includes(v) || this.fail(v1.pos, `undefined variable "${v}"`));
    }
    const cmds: Command[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === (nested ? 'rparen' : 'right')) {
        if (cmds.length === 0) this.fail(t.pos, `missing value for ${context}`);
        if (!nested) this.next();
        break;
      }
      if (t.kind === 'eof' || t.kind === (nested ? 'right' : 'rparen')) this.fail(t.pos, `unexpected ${this.describe(t)} in ${nested ? 'parenthesized pipeline' : context}`);
      cmds.push(this.command(context, nested));
      if (this.peek().kind === 'pipe') {
        const p = this.next();
        if ([nested ? 'rparen' : 'right', 'pipe'].includes(this.peek().kind)) this.fail(p.pos, 'missing command');
      }
    }
    // Declared after the pipeline is read: {{$x := $x}} refers to an outer $x.
    if (!assign) this.vars.push(...decl);
    const end = nested ? this.peek().pos : this.tokens[this.i - 1]!.pos;
    return { decl, assign, cmds, pos: start, text: this.src.slice(start, end).trim() };
  }

  private command(context: string, nested: boolean): Command {
    const args: Arg[] = [];
    const start = this.peek().pos;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'pipe' || t.kind === (nested ? 'rparen' : 'right')) break;
      if (t.kind === 'eof' || t.kind === (nested ? 'right' : 'rparen')) this.fail(t.pos, `unexpected ${this.describe(t)} in operand`);
      args.push(this.operand());
    }
    if (args.length === 0) this.fail(start, `empty command`);
    for (const a of args.slice(1)) if (a.type === 'nil' && args[0]!.type !== 'function') this.fail(a.pos, 'nil is not a command');
    if (args[0]!.type === 'nil') this.fail(args[0]!.pos, 'nil is not a command');
    void context;
    const end = this.tokens[this.i - 1]!;
    return { args, pos: start, text: this.src.slice(start, end.pos + end.value.length) };
  }

  private operand(): Arg {
    const t = this.next();
    const text = t.value;
    let arg: Arg;
    switch (t.kind) {
      case 'field':
        return { type: 'field', names: t.value.slice(1).split('.'), pos: t.pos, text };
      case 'variable':
        if (!this.vars.includes(t.value)) this.fail(t.pos, `undefined variable "${t.value}"`);
        arg = { type: 'variable', name: t.value, names: [], pos: t.pos, text };
        break;
      case 'dot':
        return { type: 'dot', pos: t.pos, text };
      case 'identifier':
        if (!this.functions.has(t.value)) this.fail(t.pos, `function "${t.value}" not defined`);
        return { type: 'function', name: t.value, pos: t.pos, text };
      case 'string':
        return { type: 'constant', value: unquote(t.value), pos: t.pos, text };
      case 'number':
        return { type: 'constant', value: number(t.value), pos: t.pos, text };
      case 'bool':
        return { type: 'constant', value: t.value === 'true', pos: t.pos, text };
      case 'nil':
        return { type: 'nil', pos: t.pos, text };
      case 'lparen': {
        const pipe = this.pipeline('parenthesized pipeline', true, true);
        const close = this.next();
        arg = { type: 'pipeline', pipe, names: [], pos: t.pos, text: this.src.slice(t.pos, close.pos + 1) };
        break;
      }
      default:
        return this.fail(t.pos, `unexpected ${this.describe(t)} in operand`);
    }
    // $x.Field and (pipeline).Field: a field chain written right after the operand.
    const f = this.peek();
    const prev = this.tokens[this.i - 1]!;
    if (f.kind === 'field' && f.pos === prev.pos + prev.value.length) {
      this.next();
      arg.names = f.value.slice(1).split('.');
      arg.text = this.src.slice(arg.pos, f.pos + f.value.length);
    }
    return arg;
  }
}
