import { hostname } from 'node:os';
import { readConfigHosts } from '../core/ssh/sshConfig';
import { formatTable, jsonOutput, messageText } from './table';
import type { CliCommand } from './usage';
import { parseOptions } from './usage';

/** `hosts`: what the editor's host picker offers, minus its per-workspace history. */
export const hostsCommand: CliCommand = {
  name: 'hosts',
  summary: 'List the hosts --host accepts: this machine and the OpenSSH config Host entries',
  usage: 'hosts [--json] [--ssh-config FILE]',
  async run(args, io) {
    const { values } = parseOptions(args, { json: { type: 'boolean' }, 'ssh-config': { type: 'string' } });
    const { hosts, warnings } = await readConfigHosts(values['ssh-config']);
    for (const w of warnings) io.err(`warning: ${messageText(w)}`);
    const rows = [
      { host: 'local', label: hostname(), source: 'this machine' },
      ...hosts.map((h) => ({
        host: h.alias,
        label: `${h.user ? `${h.user}@` : ''}${h.hostName ?? h.alias}${h.port ? `:${h.port}` : ''}`,
        source: h.file,
      })),
    ];
    if (values.json) io.out(jsonOutput(rows));
    else
      io.out(
        formatTable(
          ['HOST', 'CONNECTS TO', 'FROM'],
          rows.map((r) => [r.host, r.label, r.source]),
        ),
      );
    return 0;
  },
};
