import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatOpenMetrics, formatPrometheus, wantsOpenMetrics, type MetricFamily } from '../../src/core/prometheus/exposition';

const families: MetricFamily[] = [
  { name: 'tcplens_connections', help: 'TCP sockets by state.', type: 'gauge', samples: [{ labels: { state: 'close_wait' }, value: 5 }] },
  { name: 'tcplens_scrape_errors', help: 'Failed samples.', type: 'counter', samples: [{ labels: {}, value: 2 }] },
  {
    name: 'tcplens_close_wait_oldest_seconds',
    help: 'Oldest CLOSE_WAIT age.',
    type: 'gauge',
    unit: 'seconds',
    samples: [{ labels: { process: 'evil\x1b]0;x\x07"\\\n' }, value: 61.5 }],
  },
];

describe('exposition formats', () => {
  it('Prometheus text: HELP/TYPE, counters with _total, escaped and defanged label values', () => {
    assert.equal(
      formatPrometheus(families),
      [
        '# HELP tcplens_connections TCP sockets by state.',
        '# TYPE tcplens_connections gauge',
        'tcplens_connections{state="close_wait"} 5',
        '# HELP tcplens_scrape_errors_total Failed samples.',
        '# TYPE tcplens_scrape_errors_total counter',
        'tcplens_scrape_errors_total 2',
        '# HELP tcplens_close_wait_oldest_seconds Oldest CLOSE_WAIT age.',
        '# TYPE tcplens_close_wait_oldest_seconds gauge',
        'tcplens_close_wait_oldest_seconds{process="evil\\\\x1b]0;x\\\\x07\\"\\\\\\\\x0a"} 61.5',
        '',
      ].join('\n'),
    );
  });
  it('OpenMetrics: family names without _total, UNIT, and # EOF last', () => {
    const text = formatOpenMetrics(families);
    assert.match(
      text,
      /^# TYPE tcplens_scrape_errors counter\n# HELP tcplens_scrape_errors Failed samples\.\ntcplens_scrape_errors_total 2$/m,
    );
    assert.match(text, /# UNIT tcplens_close_wait_oldest_seconds seconds/);
    assert.ok(text.endsWith('# EOF\n'));
  });
  it('negotiates OpenMetrics only when the scraper asks for it', () => {
    assert.equal(wantsOpenMetrics('application/openmetrics-text; version=1.0.0,text/plain;version=0.0.4;q=0.5'), true);
    assert.equal(wantsOpenMetrics('text/plain'), false);
    assert.equal(wantsOpenMetrics(undefined), false);
  });
});
