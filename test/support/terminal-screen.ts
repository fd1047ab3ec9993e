const ESC = '\u001b';

/**
 * What a terminal shows after `output`: the few control sequences a progress display uses
 * (carriage return, new line, cursor column/up/down, erase in line, erase below) applied to a
 * grid of lines; other sequences (cursor visibility, line wrap) change nothing visible here.
 */
export function terminalScreen(output: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  let col = 0;
  const put = (text: string) => {
    const line = lines[row]!.padEnd(col);
    lines[row] = line.slice(0, col) + text + line.slice(col + text.length);
    col += text.length;
  };
  // Built from a string: a regular expression literal with ESC in it reads as a mistake to lint.
  const pattern = new RegExp(`${ESC}\\[([?\\d;]*)([A-Za-z])|\\r|\\n|[^${ESC}\\r\\n]+`, 'g');
  for (const [token, params, command] of output.matchAll(pattern)) {
    if (token === '\r') col = 0;
    else if (token === '\n') {
      row++;
      col = 0;
      while (lines.length <= row) lines.push('');
    } else if (command === undefined) put(token);
    else if (params?.startsWith('?')) continue;
    else {
      const n = Number(params || '0');
      if (command === 'G') col = Math.max(n, 1) - 1;
      else if (command === 'A') row = Math.max(0, row - Math.max(n, 1));
      else if (command === 'B') row = Math.min(lines.length - 1, row + Math.max(n, 1));
      else if (command === 'K')
        lines[row] = n === 2 ? '' : n === 1 ? ' '.repeat(col) + lines[row]!.slice(col) : lines[row]!.slice(0, col);
      else if (command === 'J' && n === 0) lines.splice(row, lines.length, lines[row]!.slice(0, col));
    }
  }
  return lines.map((line) => line.trimEnd());
}
