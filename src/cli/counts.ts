import { TCP_STATE_NAMES } from '../core/model';
import { formatTable, jsonOutput, messageText } from './table';
import { openCollector, TARGET_OPTIONS } from './target';
import type { CliCommand } from './usage';
import { parseOptions } from './usage';

export const countsCommand: CliCommand = {
  name: 'counts',
  summary: 'Count TCP connections per state',
  usage: 'counts [--json] [--host HOST] [--ssh-config FILE]',
  async run(args, io, signal) {
    const { values } = parseOptions(args, { json: { type: 'boolean' }, ...TARGET_OPTIONS });
    const collector = await openCollector(values);
    try {
      const sample = await collector.counts(signal);
      for (const w of sample.warnings) io.err(`warning: ${messageText(w)}`);
      if (values.json) {
        io.out(jsonOutput({ host: sample.host.label, takenAt: sample.takenAt.toISOString(), counts: sample.counts }));
      } else {
        const rows = TCP_STATE_NAMES.map((s) => [s, String(sample.counts[s])]);
        io.out(formatTable(['STATE', 'COUNT'], rows, new Set([1])));
      }
      return 0;
    } finally {
      collector.dispose();
    }
  },
};
