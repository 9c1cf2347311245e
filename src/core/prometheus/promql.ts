/** A PromQL double-quoted string literal: any text (label values come from the hosts) made safe. */
export function promqlString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** `text` matched literally inside a PromQL (RE2) regular expression. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
