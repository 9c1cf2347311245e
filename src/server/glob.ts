/**
 * Turns a VS Code-style glob (`**`, `*`, `?`, `{a,b}`, `[abc]`) into a regular expression over
 * `/`-separated paths. A glob without a slash matches the file name anywhere, as in `files.exclude`.
 */
export function globToRegExp(glob: string): RegExp {
  const pattern = glob.includes('/') ? glob : `**/${glob}`;
  let re = '';
  let inBraces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        // `**/` may match no directory at all; a trailing `**` matches everything below.
        const slashAfter = pattern[i + 2] === '/';
        re += slashAfter ? '(?:.*/)?' : '.*';
        i += slashAfter ? 2 : 1;
      } else {
        re += '[^/]*';
      }
    } else if (ch === '?') re += '[^/]';
    else if (ch === '{') {
      inBraces++;
      re += '(?:';
    } else if (ch === '}' && inBraces > 0) {
      inBraces--;
      re += ')';
    } else if (ch === ',' && inBraces > 0) re += '|';
    else if (ch === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += ch.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return new RegExp(`^(?:.*/)?${re.startsWith('(?:.*/)?') ? re.slice(8) : re}$`);
}

/** Whether a path (absolute or relative, any separator) matches one of the globs. */
export function matchesAnyGlob(filePath: string, globs: readonly string[]): boolean {
  const normalized = filePath.replace(/\\/g, '/');
  return globs.some((g) => {
    try {
      return globToRegExp(g).test(normalized);
    } catch {
      return false; // a malformed glob from the settings ignores nothing rather than everything
    }
  });
}
