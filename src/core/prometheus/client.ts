import { displayText } from '../displayText';

/** How TCP Lens authenticates to Prometheus; secrets come from the caller (VS Code's SecretStorage). */
export type PrometheusAuth = { kind: 'none' } | { kind: 'bearer'; token: string } | { kind: 'basic'; user: string; password: string };

export type PrometheusErrorKind = 'bad-url' | 'unreachable' | 'timeout' | 'auth' | 'http' | 'not-prometheus' | 'too-large' | 'query';

/** A failure with a sentence for the user. */
export class PrometheusError extends Error {
  constructor(
    readonly kind: PrometheusErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'PrometheusError';
  }
}

export interface InstantSample {
  metric: Record<string, string>;
  /** Unix seconds. */
  t: number;
  value: number;
}

export interface RangeSeries {
  metric: Record<string, string>;
  points: { t: number; value: number }[];
}

export interface PrometheusClientOptions {
  auth?: PrometheusAuth;
  /** Per request, in ms (default 10 s). */
  timeoutMs?: number;
  /** Largest answer read, in bytes (default 64 MB): a runaway query is refused, not buffered. */
  maxBytes?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/** Checks a user-typed server address: http(s) only, no query or fragment. */
export function parsePrometheusUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new PrometheusError('bad-url', `"${displayText(text.slice(0, 200))}" is not a URL (expected e.g. http://prometheus:9090).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new PrometheusError('bad-url', `Prometheus URL must start with http:// or https://, not ${url.protocol}`);
  if (url.search || url.hash) throw new PrometheusError('bad-url', 'Prometheus URL must not carry a query or fragment.');
  if (url.username || url.password)
    throw new PrometheusError('bad-url', 'Put credentials in the TCP Lens: Set Prometheus Credentials command, not in the URL.');
  return url;
}

/** A small client for Prometheus's HTTP API (v1): instant and range queries, every answer checked. */
export class PrometheusClient {
  readonly base: URL;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;

  constructor(
    url: string,
    private readonly options: PrometheusClientOptions = {},
  ) {
    this.base = parsePrometheusUrl(url);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  /** `atSec`: evaluation time in Unix seconds (Prometheus's now when absent). */
  async query(promql: string, signal?: AbortSignal, atSec?: number): Promise<InstantSample[]> {
    const data = await this.call('query', atTime({ query: promql }, atSec), signal);
    return vectorOf(data);
  }

  /** An instant query of a range selector (`up{…}[1h]`): the raw samples with their own timestamps. */
  async querySamples(promql: string, signal?: AbortSignal, atSec?: number): Promise<RangeSeries[]> {
    const data = await this.call('query', atTime({ query: promql }, atSec), signal);
    return matrixOf(data);
  }

  async queryRange(promql: string, startSec: number, endSec: number, stepSec: number, signal?: AbortSignal): Promise<RangeSeries[]> {
    const data = await this.call(
      'query_range',
      { query: promql, start: String(startSec), end: String(endSec), step: String(stepSec) },
      signal,
    );
    return matrixOf(data);
  }

  private headers(): Record<string, string> {
    const auth = this.options.auth ?? { kind: 'none' };
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (auth.kind === 'bearer') headers.Authorization = `Bearer ${auth.token}`;
    if (auth.kind === 'basic') headers.Authorization = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
    return headers;
  }

  private async call(endpoint: string, params: Record<string, string>, signal?: AbortSignal): Promise<unknown> {
    const url = new URL(`api/v1/${endpoint}`, this.base.href.endsWith('/') ? this.base : new URL(`${this.base.href}/`));
    const where = displayText(this.base.origin);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response;
    try {
      // POST keeps long PromQL out of the URL; Prometheus accepts form-encoded queries on both.
      response = await fetch(url, {
        method: 'POST',
        headers: { ...this.headers(), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params),
        signal: combined,
        redirect: 'error',
      });
    } catch (err) {
      throw this.transportError(err, where, timeout);
    }
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw new PrometheusError(
        'auth',
        `Prometheus at ${where} refused the credentials (HTTP ${response.status}). Set them with TCP Lens: Set Prometheus Credentials.`,
      );
    }
    let text: string;
    try {
      text = await readCapped(response, this.maxBytes);
    } catch (err) {
      if (err instanceof PrometheusError) throw new PrometheusError(err.kind, `Prometheus at ${where}: ${err.message}`);
      throw this.transportError(err, where, timeout);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      const kind = response.ok ? 'not-prometheus' : 'http';
      throw new PrometheusError(
        kind,
        `${where} did not answer like Prometheus (HTTP ${response.status}, ${contentKind(response, text)}). Check tcpLens.prometheus.url.`,
      );
    }
    const answer = body as { status?: unknown; data?: unknown; error?: unknown; errorType?: unknown };
    if (answer.status === 'error')
      throw new PrometheusError(
        'query',
        `Prometheus at ${where} rejected the query: ${displayText(String(answer.error ?? answer.errorType)).slice(0, 300)}`,
      );
    if (answer.status !== 'success' || typeof answer.data !== 'object' || answer.data === null) {
      throw new PrometheusError(
        response.ok ? 'not-prometheus' : 'http',
        `${where} did not answer like Prometheus (HTTP ${response.status}). Check tcpLens.prometheus.url.`,
      );
    }
    return answer.data;
  }

  private transportError(err: unknown, where: string, timeout: AbortSignal): PrometheusError {
    if (timeout.aborted)
      return new PrometheusError('timeout', `Prometheus at ${where} did not answer within ${Math.round(this.timeoutMs / 1000)} s.`);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (err as Error).message;
    if ((err as Error).name === 'AbortError') return new PrometheusError('timeout', 'The Prometheus request was cancelled.');
    return new PrometheusError('unreachable', `Prometheus at ${where} is unreachable (${displayText(String(detail))}).`);
  }
}

function atTime(params: Record<string, string>, atSec: number | undefined): Record<string, string> {
  return atSec === undefined ? params : { ...params, time: String(atSec) };
}

/** Reads the body up to `max` bytes; past that the download is cancelled. */
async function readCapped(response: Response, max: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > max) {
    await response.body?.cancel();
    throw new PrometheusError('too-large', `the answer is too large (${declared} bytes, limit ${max}). Narrow the query.`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new PrometheusError('too-large', `the answer is too large (over ${max} bytes). Narrow the query.`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function contentKind(response: Response, text: string): string {
  const type = response.headers.get('content-type') ?? 'no content type';
  return /^\s*</.test(text) ? `an HTML page, ${displayText(type)}` : displayText(type);
}

function sampleValue(pair: unknown): { t: number; value: number } | undefined {
  if (!Array.isArray(pair) || pair.length !== 2) return undefined;
  const t = Number(pair[0]);
  const value = Number(pair[1]);
  return Number.isFinite(t) && typeof pair[1] === 'string' ? { t, value } : undefined;
}

function metricOf(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof raw !== 'object' || raw === null) return out;
  for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') out[k] = v;
  return out;
}

function resultOf(data: unknown, type: string): unknown[] {
  const d = data as { resultType?: unknown; result?: unknown };
  if (d.resultType !== type || !Array.isArray(d.result))
    throw new PrometheusError('not-prometheus', `Prometheus answered a ${String(d.resultType)} where a ${type} was expected.`);
  return d.result;
}

function vectorOf(data: unknown): InstantSample[] {
  const out: InstantSample[] = [];
  for (const r of resultOf(data, 'vector')) {
    const v = sampleValue((r as { value?: unknown }).value);
    if (v) out.push({ metric: metricOf((r as { metric?: unknown }).metric), ...v });
  }
  return out;
}

function matrixOf(data: unknown): RangeSeries[] {
  return resultOf(data, 'matrix').map((r) => {
    const values = (r as { values?: unknown }).values;
    const points = Array.isArray(values) ? values.map(sampleValue).filter((p): p is { t: number; value: number } => p !== undefined) : [];
    return { metric: metricOf((r as { metric?: unknown }).metric), points };
  });
}
