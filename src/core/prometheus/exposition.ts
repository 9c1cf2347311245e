import { displayText } from '../displayText';

/** One metric family of the exposition: what `/metrics` prints under one HELP/TYPE pair. */
export interface MetricFamily {
  /** Base name without `_total`; counters get the suffix on their samples. */
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  /** OpenMetrics UNIT (`seconds`); the name must already end in it, as the convention wants. */
  unit?: string;
  samples: MetricSample[];
}

export interface MetricSample {
  labels: Readonly<Record<string, string>>;
  value: number;
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/**
 * Label values are text from the system (process names are writable by their owner): control
 * characters are made visible, then `\`, `"` and newlines escaped as both formats require.
 */
function labelValue(value: string): string {
  return displayText(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

function labels(set: Readonly<Record<string, string>>): string {
  const parts = Object.entries(set).map(([k, v]) => `${k}="${labelValue(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function number(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function helpText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** The Prometheus text format (version 0.0.4). */
export function formatPrometheus(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    const name = f.type === 'counter' ? `${f.name}_total` : f.name;
    out.push(`# HELP ${name} ${helpText(f.help)}`, `# TYPE ${name} ${f.type}`);
    for (const s of f.samples) out.push(`${name}${labels(s.labels)} ${number(s.value)}`);
  }
  return out.join('\n') + '\n';
}

/** OpenMetrics 1.0: family names without `_total`, UNIT lines, and the closing `# EOF`. */
export function formatOpenMetrics(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# TYPE ${f.name} ${f.type}`);
    if (f.unit) out.push(`# UNIT ${f.name} ${f.unit}`);
    out.push(`# HELP ${f.name} ${helpText(f.help).replace(/"/g, '\\"')}`);
    const sampleName = f.type === 'counter' ? `${f.name}_total` : f.name;
    for (const s of f.samples) out.push(`${sampleName}${labels(s.labels)} ${number(s.value)}`);
  }
  out.push('# EOF');
  return out.join('\n') + '\n';
}

/** Content negotiation as the official exporters do it: OpenMetrics only when asked for. */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  return accept !== undefined && /application\/openmetrics-text/i.test(accept);
}
