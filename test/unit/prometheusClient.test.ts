import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PrometheusClient, PrometheusError, type PrometheusErrorKind } from '../../src/core/prometheus/client';

/** A loopback HTTP server whose answer each test sets: how a bad Prometheus (or a proxy in front of one) behaves. */
describe('Prometheus client against misbehaving servers on loopback', () => {
  let server: http.Server;
  let url: string;
  let handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void = () => undefined;
  const open = new Set<http.ServerResponse>();
  before(async () => {
    server = http.createServer((req, res) => {
      open.add(res);
      res.on('close', () => open.delete(res));
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => handler(req, res, body));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    for (const res of open) res.destroy();
    server.close();
  });

  const failsWith = async (kind: PrometheusErrorKind, message: RegExp, client = new PrometheusClient(url, { timeoutMs: 1000 })) => {
    const err = await client.query('up').then(
      () => assert.fail('answered'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof PrometheusError, String(err));
    assert.equal(err.kind, kind, err.message);
    assert.match(err.message, message);
  };

  it('reads a vector and sends the query, the bearer token and JSON accept', async () => {
    let seen: { auth?: string; body?: string } = {};
    handler = (req, res, body) => {
      seen = { auth: req.headers.authorization, body };
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          status: 'success',
          data: { resultType: 'vector', result: [{ metric: { instance: 'a:9100', state: 'close_wait' }, value: [1700000000.5, '7'] }] },
        }),
      );
    };
    const client = new PrometheusClient(url, { auth: { kind: 'bearer', token: 's3cret' } });
    const samples = await client.query('tcplens_connections{state="close_wait"}');
    assert.deepEqual(samples, [{ metric: { instance: 'a:9100', state: 'close_wait' }, t: 1700000000.5, value: 7 }]);
    assert.equal(seen.auth, 'Bearer s3cret');
    assert.equal(new URLSearchParams(seen.body).get('query'), 'tcplens_connections{state="close_wait"}');
  });

  it('an HTML page (a login portal or the wrong port) is "not Prometheus", in words', async () => {
    handler = (_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><html><body>Welcome</body></html>');
    };
    await failsWith('not-prometheus', /did not answer like Prometheus .*HTML page/);
  });

  it('a 500 with a text body is an HTTP error, not a crash', async () => {
    handler = (_req, res) => {
      res.statusCode = 500;
      res.end('internal error');
    };
    await failsWith('http', /HTTP 500/);
  });

  it('401 and 403 say the credentials were refused', async () => {
    handler = (_req, res) => {
      res.statusCode = 401;
      res.end('{"status":"error"}');
    };
    await failsWith('auth', /refused the credentials \(HTTP 401\)/);
  });

  it('a query error from Prometheus is shown with its reason', async () => {
    handler = (_req, res) => {
      res.statusCode = 400;
      res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error at char 3\x1b[2J' }));
    };
    await failsWith('query', /rejected the query: parse error at char 3\\x1b\[2J/);
  });

  it('a server that never answers times out within the deadline', async () => {
    handler = () => undefined;
    const started = Date.now();
    await failsWith('timeout', /did not answer within 1 s/);
    assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
  });

  it('a huge answer is refused at the cap, declared or streamed', async () => {
    handler = (_req, res) => {
      res.setHeader('content-type', 'application/json');
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < 64 && res.write(chunk)) sent++;
        if (sent < 64) res.once('drain', pump);
        else res.end();
      };
      pump();
    };
    await failsWith('too-large', /too large/, new PrometheusClient(url, { maxBytes: 1024 * 1024 }));
    handler = (_req, res) => {
      res.setHeader('content-length', String(10 * 1024 * 1024));
      res.write('{');
    };
    await failsWith('too-large', /too large \(10485760 bytes/, new PrometheusClient(url, { maxBytes: 1024 * 1024 }));
  });

  it('nothing listening is "unreachable"', async () => {
    const closed = http.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    await failsWith('unreachable', /unreachable \(ECONNREFUSED\)/, new PrometheusClient(`http://127.0.0.1:${port}`));
  });

  it('refuses URLs that are not http(s) or that carry credentials', () => {
    for (const bad of ['ftp://x', 'not a url', 'http://u:p@host:9090', 'http://h/?q=1'])
      assert.throws(() => new PrometheusClient(bad), PrometheusError, bad);
  });
});
