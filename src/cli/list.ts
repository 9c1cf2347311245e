import { formatEndpoint } from '../core/address';
import type { Connection } from '../core/model';
import { isTcpStateName } from '../core/model';
import { formatTable, jsonOutput, messageText } from './table';
import { openCollector, TARGET_OPTIONS } from './target';
import type { CliCommand } from './usage';
import { parseIntegerOption, parseOptions, UsageError } from './usage';

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
  usage: 'list [--state STATE] [--port N] [--pid N] [--json] [--host HOST] [--ssh-config FILE]',
  async run(args, io, signal) {
    const { values } = parseOptions(args, {
      json: { type: 'boolean' },
      state: { type: 'string' },
      port: { type: 'string' },
      pid: { type: 'string' },
      ...TARGET_OPTIONS,
    });
    const state = values.state?.toUpperCase();
    if (state !== undefined && !isTcpStateName(state)) throw new UsageError(`--state: unknown TCP state "${values.state}"`);
    const port = parseIntegerOption('port', values.port, 0, 65535);
    const pid = parseIntegerOption('pid', values.pid, 1, 2 ** 32);

    const collector = await openCollector(values);
    try {
      const snapshot = await collector.snapshot(signal, { processes: true });
      for (const w of snapshot.warnings) io.err(`warning: ${messageText(w)}`);
      const selected = snapshot.connections.filter(
        (c) =>
          (state === undefined || c.state === state) &&
          (port === undefined || c.localPort === port || c.remotePort === port) &&
          (pid === undefined || c.pid === pid),
      );
      if (values.json) {
        io.out(jsonOutput(selected.map(connectionRecord)));
      } else {
        const rows = selected.map((c) => [
          c.state,
          formatEndpoint(c.localAddress, c.localPort),
          formatEndpoint(c.remoteAddress, c.remotePort),
          ownerText(c),
        ]);
        io.out(formatTable(['STATE', 'LOCAL', 'REMOTE', 'PROCESS'], rows));
      }
      return 0;
    } finally {
      collector.dispose();
    }
  },
};
