/**
 * Go text/template's lexer: text between `{{ }}` actions, with Go's trim markers (`{{- `,
 * ` -}}`) and comments. Errors carry the line, as Go's parse errors do.
 */
import { TemplateError } from './values';

export type TokenKind =
  | 'text' | 'left' | 'right' | 'field' | 'variable' | 'identifier' | 'dot' | 'string' | 'number'
  | 'bool' | 'nil' | 'pipe' | 'lparen' | 'rparen' | 'declare' | 'assign' | 'comma' | 'keyword' | 'eof';

export interface Token {
  kind: TokenKind;
  value: string;
  /** Byte offset in the template: Go's error positions count from here. */
  pos: number;
}

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);

export function lineOf(src: string, pos: number): number {
  return src.slice(0, pos).split('\n').length;
}

export function lex(src: string): Token[] {
  const out: Token[] = [];
  const fail = (pos: number, msg: string): never => {
    throw new TemplateError(`template: :${lineOf(src, pos)}: ${msg}`);
  };
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = src.slice(i, open === -1 ? src.length : open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    const trimLeft = open !== -1 && /^\{\{-[ \t\r\n]/.test(src.slice(open, open + 4));
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
    trimNext = false;
    if (text) out.push({ kind: 'text', value: text, pos: i });
    if (open === -1) break;
    i = open + (trimLeft ? 3 : 2);
    // A comment is a whole action: {{/* ... */}}, with optional trim markers.
    const afterSpace = src.slice(i).match(/^[ \t\r\n]*/)![0].length;
    if (src.startsWith('/*', i + (trimLeft ? afterSpace : 0))) {
      const start = i + (trimLeft ? afterSpace : 0);
      const end = src.indexOf('*/', start + 2);
      if (end === -1) fail(open, 'unclosed comment');
      let j = end + 2;
      if (/^[ \t\r\n]+-\}\}/.test(src.slice(j))) {
        j = src.indexOf('-}}', j) + 3;
        trimNext = true;
      } else if (src.startsWith('}}', j)) j += 2;
      else fail(open, 'comment ends before closing delimiter');
      i = j;
      continue;
    }
    out.push({ kind: 'left', value: '{{', pos: open });
    i = lexAction(src, i, out, fail);
    if (out[out.length - 1]!.value === '-}}') trimNext = true;
  }
  out.push({ kind: 'eof', value: '', pos: src.length });
  return out;
}

function lexAction(src: string, start: number, out: Token[], fail: (pos: number, msg: string) => never): number {
  let i = start;
  let depth = 0;
  const push = (kind: TokenKind, value: string, pos: number): void => void out.push({ kind, value, pos });
  for (;;) {
    if (i >= src.length) fail(start, 'unclosed action');
    const rest = src.slice(i);
    const trimRight = /^[ \t\r\n]+-\}\}/.exec(rest);
    if (trimRight) {
      if (depth > 0) fail(i, 'unclosed left paren');
      push('right', '-}}', i);
      return i + trimRight[0].length;
    }
    if (rest.startsWith('}}')) {
      if (depth > 0) fail(i, 'unclosed left paren');
      push('right', '}}', i);
      return i + 2;
    }
    const c = src[i]!;
    let m: RegExpExecArray | null;
    if (/[ \t\r]/.test(c)) i++;
    else if (c === '\n') fail(i, 'unclosed action');
    else if (c === '|') (push('pipe', '|', i), i++);
    else if (c === ',') (push('comma', ',', i), i++);
    else if (c === '(') (push('lparen', '(', i), i++, depth++);
    else if (c === ')') {
      if (depth === 0) fail(i, 'unexpected right paren U+0029 \')\'');
      push('rparen', ')', i), i++, depth--;
    } else if (rest.startsWith(':=')) (push('declare', ':=', i), (i += 2));
    else if (c === '=') (push('assign', '=', i), i++);
    else if (c === '"') {
      m = /^"(?:[^"\\\n]|\\.)*"/.exec(rest);
      if (!m) fail(i, 'unterminated quoted string');
      push('string', m![0], i), (i += m![0].length);
    } else if (c === '`') {
      const end = src.indexOf('`', i + 1);
      if (end === -1) fail(i, 'unterminated raw quoted string');
      push('string', src.slice(i, end + 1), i), (i = end + 1);
    } else if (c === "'") {
      m = /^'(?:[^'\\\n]|\\.)'/.exec(rest);
      if (!m) fail(i, 'unterminated character constant');
      push('number', m![0], i), (i += m![0].length);
    } else if ((m = /^\$[A-Za-z0-9_]*/.exec(rest))) push('variable', m[0], i), (i += m[0].length);
    else if ((m = /^(?:\.[A-Za-z_][A-Za-z0-9_]*)+/.exec(rest))) push('field', m[0], i), (i += m[0].length);
    else if (c === '.' && !/^\.\d/.test(rest)) push('dot', '.', i), i++;
    else if ((m = /^[+-]?(?:0[xX][0-9a-fA-F_]+|(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(rest))) {
      if (/^[A-Za-z_]/.test(src.slice(i + m[0].length))) fail(i, `bad number syntax: "${src.slice(i).match(/^[\w.+-]+/)![0]}"`);
      push('number', m[0], i), (i += m[0].length);
    } else if ((m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest))) {
      const w = m[0];
      push(KEYWORDS.has(w) ? 'keyword' : w === 'true' || w === 'false' ? 'bool' : w === 'nil' ? 'nil' : 'identifier', w, i);
      i += w.length;
    } else fail(i, `unexpected ${JSON.stringify(c)} in command`);
  }
}
