/**
 * Go's text/tabwriter as Docker's tables use it (minwidth 10, tabwidth 1, padding 3, spaces):
 * a tab ends a cell; the cells of a column in consecutive lines are padded to the widest one
 * plus 3, at least 10; the text after a line's last tab is not a cell and is not padded.
 */
const MIN_WIDTH = 10;
const PADDING = 3;

const width = (s: string): number => [...s].length;

export function tabwrite(text: string): string {
  const lines = text.split('\n').map((l) => l.split('\t'));
  const widths: number[] = [];
  let out = '';

  const write = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const cells = lines[i]!;
      cells.forEach((c, j) => {
        out += j < cells.length - 1 && j < widths.length ? c + ' '.repeat(Math.max(0, widths[j]! - width(c))) : c;
      });
      if (i < lines.length - 1) out += '\n';
    }
  };

  // Go's format(): a column is a run of consecutive lines that have a cell in it.
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let i = line0; i < line1; i++) {
      if (column >= lines[i]!.length - 1) continue;
      write(line0, i);
      line0 = i;
      let w = MIN_WIDTH;
      for (; i < line1 && column < lines[i]!.length - 1; i++) w = Math.max(w, width(lines[i]![column]!) + PADDING);
      widths.push(w);
      format(line0, i);
      widths.pop();
      line0 = i;
      i--;
    }
    write(line0, line1);
  };

  format(0, lines.length);
  return out;
}
