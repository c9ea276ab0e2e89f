/**
 * Go's text/tabwriter (elastic tabstops), as docker aligns `--format 'table ...'` output:
 * tabwriter.NewWriter(out, 10, 1, 3, ' ', 0). Cells are tab-terminated: a column is a run of
 * consecutive lines that each have a tab-terminated cell at that index; its width is the widest
 * cell plus 3, at least 10. Text after a line's last tab is no column and is never padded.
 */
const MIN_WIDTH = 10;
const PADDING = 3;

/** Aligns `text` as docker's table writer does; widths count code points. */
export function alignColumns(text: string): string {
  const rows = text.split('\n');
  const lines = rows.map((r) => r.split('\t'));
  const width = (s: string) => [...s].length;
  const out: string[] = [];
  const widths: number[] = [];

  const writeLines = (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const line = lines[i] as string[];
      let s = '';
      line.forEach((cell, j) => {
        s += cell;
        if (j < widths.length && j < line.length - 1) s += ' '.repeat(Math.max(0, (widths[j] as number) - width(cell)));
      });
      out.push(s);
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let at = line0; at < line1; at++) {
      if (column >= (lines[at] as string[]).length - 1) continue;
      // A column block starts here: print the lines before it with the widths known so far.
      writeLines(start, at);
      start = at;
      let w = MIN_WIDTH;
      for (; at < line1; at++) {
        const line = lines[at] as string[];
        if (column >= line.length - 1) break;
        w = Math.max(w, width(line[column] as string) + PADDING);
      }
      widths.push(w);
      format(start, at);
      widths.pop();
      start = at;
    }
    writeLines(start, line1);
  };

  format(0, lines.length);
  return out.join('\n');
}
