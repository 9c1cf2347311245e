import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { displayText } from '../core/displayText';
import { LeakAnalyzer, languageOfPath } from '../analysis/analyzer';
import { fileKind, readSourceFile } from '../analysis/sourceFile';
import type { LeakReport } from '../analysis/types';
import { jsonOutput, messageText } from './table';
import { leaksCommandInfo } from './lazyCommand';
import type { CliCommand, CliIO } from './usage';
import { parseOptions, UsageError } from './usage';

/** Directories that hold other people's code or build output, never the project's own sockets. */
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.hg', '.svn']);

export type CliFinding = LeakReport;

/** Source files under the given paths, in a stable order; a path given explicitly is analysed even if its extension is unknown to the walk. */
async function* sourceFiles(roots: readonly string[], signal: AbortSignal): AsyncGenerator<string> {
  const directories = new Set<string>();
  // Every path is checked before any is read: a bad one is a usage error (exit 2), reported at once.
  for (const root of roots) {
    const info = await stat(root).catch(() => undefined);
    if (!info) throw new UsageError(`no such file or directory: ${root}`);
    const kind = fileKind(info);
    if (kind === 'directory') directories.add(root);
    // A FIFO, socket or device is never opened: reading a FIFO would wait for a writer for ever.
    else if (kind !== 'file') throw new UsageError(`not a regular file or directory: ${root} is ${kind}`);
  }
  for (const root of roots) {
    if (!directories.has(root)) {
      yield root;
      continue;
    }
    const pending = [root];
    while (pending.length > 0 && !signal.aborted) {
      const dir = pending.shift()!;
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        const full = path.join(dir, e.name);
        if (e.isDirectory() && !SKIPPED_DIRS.has(e.name)) pending.push(full);
        else if (e.isFile() && languageOfPath(full)) yield full;
      }
    }
  }
}

export const leaksCommand: CliCommand = {
  ...leaksCommandInfo,
  async run(args: string[], io: CliIO, signal: AbortSignal): Promise<number> {
    const { values, positionals } = parseOptions(args, { json: { type: 'boolean' } }, true);
    if (positionals.length === 0) throw new UsageError('leaks needs at least one file or directory');
    const analyzer = new LeakAnalyzer();
    const findings: CliFinding[] = [];
    for await (const file of sourceFiles(positionals, signal)) {
      const language = languageOfPath(file);
      if (!language) {
        io.err(messageText(`tcp-lens: ${file}: skipped: not a language TCP Lens analyses`));
        continue;
      }
      const read = await readSourceFile(file);
      if ('skipped' in read) {
        io.err(messageText(`tcp-lens: ${file}: skipped: ${read.skipped}`));
        continue;
      }
      const result = await analyzer.analyze(read.text, language);
      for (const note of [...read.notes, ...result.notes]) io.err(messageText(`tcp-lens: ${file}: ${note}`));
      for (const f of result.findings) {
        findings.push({ file, line: f.range.start.line + 1, column: f.range.start.column + 1, language, rule: f.rule, message: f.message });
      }
    }
    if (values.json) io.out(jsonOutput(findings, 2));
    else for (const f of findings) io.out(displayText(`${f.file}:${f.line}:${f.column}: ${f.rule}: ${f.message}`));
    return findings.length > 0 ? 1 : 0;
  },
};
