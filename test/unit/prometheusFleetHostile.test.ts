import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fleetCommand } from '../../src/cli/fleet';
import type { CliIO } from '../../src/cli/usage';
import { PrometheusClient } from '../../src/core/prometheus/client';
import { readFleet } from '../../src/core/prometheus/fleet';

const EVIL = 'web\u001b]0;owned\u0007\u001b[2J\r\nfake-row 999';

/** A loopback Prometheus whose counts come from a host that put terminal escapes in its labels. */
describe('Fleet with control characters in label values', () => {
  let server: http.Server;
  let url: string;
  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const query = new URLSearchParams(body).get('query') ?? '';
        const result =
          query === 'sum by (instance, job, state) (tcplens_connections)'
            ? [{ metric: { instance: EVIL, job: `j\u0000b`, state: 'close_wait' }, value: [1700000000, '3'] }]
            : [];
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('readFleet keeps the value as sent; the CLI table prints it escaped, on one line, no escape reaches the terminal', async () => {
    const fleet = await readFleet(new PrometheusClient(url));
    assert.equal(fleet.length, 1);
    assert.equal(fleet[0].instance, EVIL);
    assert.equal(fleet[0].counts.CLOSE_WAIT, 3);

    let out = '';
    let err = '';
    const io: CliIO = { out: (t) => (out += t), err: (t) => (err += t) };
    const code = await fleetCommand.run(['--prometheus', url], io, new AbortController().signal);
    assert.equal(code, 0, err);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(out, /[\u0000-\u0008\u000b-\u001f\u007f]/);
    const lines = out.trimEnd().split('\n');
    assert.equal(lines.length, 2, out);
    assert.match(lines[1], /web\\x1b\]0;owned\\x07\\x1b\[2J\\x0d\\x0afake-row 999/);
    assert.match(lines[1], /j\\x00b/);
  });
});
