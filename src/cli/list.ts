import { formatEndpoint } from '../core/address';
import { formatAgeCell } from '../core/ageText';
import type { Connection } from '../core/model';
import { isStuckCloseWait } from '../core/stuck';
import { parseStateOption } from './stateOption';
import { formatTable, jsonOutput, messageText } from './table';
import { openCollector, TARGET_OPTIONS } from './target';
import type { CliCommand } from './usage';
import { parseIntegerOption, parseOptions } from './usage';

/** The JSON shape of one connection, stable for scripts. */
export function connectionRecord(c: Connection) {
  return {
    family: c.family,
    localAddress: c.localAddress,
    localPort: c.localPort,
    remoteAddress: c.remoteAddress,
    remotePort: c.remotePort,
    state: c.state,
    inode: c.inode,
    uid: c.uid,
    pid: c.pid ?? null,
    process: c.process ?? null,
    /** Seconds in its state: `kernel` (tcp_info, the TIME_WAIT timer) or `observed` across refreshes. */
    ageSeconds: c.ageSeconds ?? null,
    ageSource: c.ageSource ?? null,
    /** An observed age of a socket already there at the first look: it is at least that old. */
    ageIsLowerBound: c.ageIsLowerBound === true,
  };
}

function ownerText(c: Connection): string {
  switch (c.owner) {
    case 'known':
      return `${c.process} (${c.pid})`;
    case 'kernel':
      return '- (kernel)';
    case 'hidden':
      return '? (not visible)';
    default:
      return '-';
  }
}

export const listCommand: CliCommand = {
  name: 'list',
  summary: 'List TCP connections with their owning processes',
  usage: 'list [--state STATE] [--port N] [--pid N] [--stuck-after S] [--json] [--host HOST] [--ssh-config FILE]',
  async run(args, io, signal) {
    const { values } = parseOptions(args, {
      json: { type: 'boolean' },
      state: { type: 'string' },
      port: { type: 'string' },
      pid: { type: 'string' },
      'stuck-after': { type: 'string' },
      ...TARGET_OPTIONS,
    });
    const state = parseStateOption(values.state);
    const port = parseIntegerOption('port', values.port, 0, 65535);
    const pid = parseIntegerOption('pid', values.pid, 1, 2 ** 32);
    // Only CLOSE_WAIT sockets stuck at least this long (the leak verdict's own test).
    const stuckAfter = parseIntegerOption('stuck-after', values['stuck-after'], 1, 86_400);

    const collector = await openCollector(values);
    try {
      const snapshot = await collector.snapshot(signal, { processes: true });
      for (const w of snapshot.warnings) io.err(`warning: ${messageText(w)}`);
      const selected = snapshot.connections.filter(
        (c) =>
          (state === undefined || c.state === state) &&
          (port === undefined || c.localPort === port || c.remotePort === port) &&
          (pid === undefined || c.pid === pid) &&
          (stuckAfter === undefined || isStuckCloseWait(c, stuckAfter)),
      );
      if (values.json) {
        io.out(jsonOutput(selected.map(connectionRecord)));
      } else {
        const rows = selected.map((c) => [
          c.state,
          formatAgeCell(c.ageSeconds, c.ageIsLowerBound),
          formatEndpoint(c.localAddress, c.localPort),
          formatEndpoint(c.remoteAddress, c.remotePort),
          ownerText(c),
        ]);
        io.out(formatTable(['STATE', 'AGE', 'LOCAL', 'REMOTE', 'PROCESS'], rows, new Set([1])));
      }
      return 0;
    } finally {
      collector.dispose();
    }
  },
};
