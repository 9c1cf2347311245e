import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, wantsOpenMetrics } from './exposition';

/** The two renderings of the last sample, made once per sample, never per scrape. */
export interface Exposition {
  text: string;
  openMetrics: string;
}

/** A request or a response may take this long; a slow or stalled client is dropped after it. */
const CLIENT_TIMEOUT_MS = 10_000;
const MAX_CONNECTIONS = 64;

const INDEX =
  '<!doctype html><html><head><title>TCP Lens exporter</title></head><body><h1>TCP Lens exporter</h1><p><a href="/metrics">Metrics</a></p></body></html>\n';

/** `host:port`, `[v6]:port` or `:port` (every interface). */
export function parseListenAddress(text: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65_535) throw new Error(`--listen must be HOST:PORT, [IPv6]:PORT or :PORT, got "${text}"`);
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port };
}

/**
 * Serves `/metrics` from what the sampler last produced (Prometheus text, or OpenMetrics when the
 * scraper asks for it): a scrape costs formatting nothing and reading nothing. Requests and
 * responses have deadlines and connections a cap, so a slow or malformed client cannot stall it.
 */
export class MetricsServer {
  private readonly server: http.Server;

  constructor(private readonly current: () => Exposition) {
    this.server = http.createServer(
      { requestTimeout: CLIENT_TIMEOUT_MS, headersTimeout: CLIENT_TIMEOUT_MS, keepAliveTimeout: 5000, maxHeaderSize: 8192 },
      (req, res) => this.answer(req, res),
    );
    this.server.maxConnections = MAX_CONNECTIONS;
    this.server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  async listen(host: string | undefined, port: number): Promise<AddressInfo> {
    this.server.listen(port, host);
    await Promise.race([once(this.server, 'listening'), once(this.server, 'error').then(([err]) => Promise.reject(err as Error))]);
    return this.server.address() as AddressInfo;
  }

  close(): void {
    this.server.close();
    this.server.closeAllConnections();
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    // A reader that stops reading is dropped instead of holding its buffer for ever.
    res.setTimeout(CLIENT_TIMEOUT_MS, () => res.destroy());
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return this.send(req, res, 405, 'text/plain; charset=utf-8', 'Only GET and HEAD.\n', { Allow: 'GET, HEAD' });
    if (path === '/metrics') {
      const exposition = this.current();
      return wantsOpenMetrics(req.headers.accept)
        ? this.send(req, res, 200, OPENMETRICS_CONTENT_TYPE, exposition.openMetrics)
        : this.send(req, res, 200, PROMETHEUS_CONTENT_TYPE, exposition.text);
    }
    if (path === '/') return this.send(req, res, 200, 'text/html; charset=utf-8', INDEX);
    this.send(req, res, 404, 'text/plain; charset=utf-8', 'Not found: the metrics are at /metrics.\n');
  }

  private send(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    status: number,
    type: string,
    body: string,
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}
