import { displayLines, displayText } from '../core/displayText';

/**
 * Pads columns to their widest cell; numbers are right-aligned. Cells are text from the system
 * or a remote (process names, addresses, host names): control characters are shown escaped
 * ({@link displayText}) so a name cannot move the cursor, retitle or clear the terminal.
 */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  numeric: ReadonlySet<number> = new Set(),
): string {
  const safe = rows.map((r) => r.map(displayText));
  const widths = header.map((h, i) => Math.max(h.length, ...safe.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]) : i === cells.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ');
  return [line(header), ...safe.map(line)].join('\n');
}

/**
 * JSON for stdout. JSON.stringify escapes C0 controls but writes DEL and C1 (U+0080–U+009F,
 * U+009B being CSI) as they are; they are escaped here too. The value a script parses is the same.
 */
export function jsonOutput(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A message line for stderr (warnings, errors): line breaks kept, other controls escaped. */
export function messageText(text: string): string {
  return displayLines(text);
}
