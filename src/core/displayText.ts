/**
 * Text from the system or a remote host (process names, `uname`, remote errors, ssh's stderr,
 * netstat fields) on its way to a terminal, a tree label, a notification or the chart: C0 and C1
 * control characters and DEL become visible `\xHH` escapes, so `ESC ] 0;…` cannot retitle a
 * terminal and `ESC [2J` cannot clear it. Tabs and newlines are escaped too: a name is one line.
 */
export function displayText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Like {@link displayText}, keeping line breaks: for multi-line messages (ssh's stderr). */
export function displayLines(text: string): string {
  return text.split(/\r?\n/).map(displayText).join('\n');
}
