import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding, Verdict } from '../../scripts/productionVerdicts';
import { compareProject, formatResults, fpShare, normalizePath, total } from '../../scripts/productionVerdicts';

const verdict = (project: string, p: string, line: number, rule: string, v: Verdict['verdict']): Verdict => ({
  project,
  path: p,
  line,
  rule,
  verdict: v,
  reason: 'r',
});
const finding = (file: string, line: number, rule: string): Finding => ({ file, line, rule });

describe('production verdicts: matching a scan with the judged findings', () => {
  const verdicts = [
    verdict('a+b', 'src/x.c', 10, 'unclosed-socket', 'TP'),
    verdict('a+b', 'src/x.c', 20, 'unclosed-socket', 'FP'),
    verdict('a+b', 'src/y.c', 5, 'unclosed-on-exception', 'TP (rule)'),
    verdict('c+d', 'src/x.c', 30, 'unclosed-socket', 'FP'),
  ];

  it('matches on path, line and rule, and lists the rest as unjudged or gone', () => {
    const r = compareProject(
      'a+b',
      [
        finding('src/x.c', 10, 'unclosed-socket'),
        finding('src/x.c', 11, 'unclosed-socket'), // line moved: not the judged one
        finding('src/y.c', 5, 'unclosed-socket'), // same place, other rule
        finding('src/x.c', 30, 'unclosed-socket'), // judged, but in another project
      ],
      verdicts,
    );
    assert.equal(r.findings, 4);
    assert.equal(r.truePositives, 1);
    assert.equal(r.falsePositives, 0);
    assert.deepEqual(
      r.unjudged.map((f) => `${f.file}:${f.line}:${f.rule}`),
      ['src/x.c:11:unclosed-socket', 'src/y.c:5:unclosed-socket', 'src/x.c:30:unclosed-socket'],
    );
    assert.deepEqual(
      r.gone.map((v) => `${v.path}:${v.line}:${v.verdict}`),
      ['src/x.c:20:FP', 'src/y.c:5:TP (rule)'],
    );
  });

  it('reads `./x` as `x` and counts TP (rule) as true', () => {
    assert.equal(normalizePath('./src/x.c'), 'src/x.c');
    const r = compareProject(
      'a+b',
      [finding('./src/x.c', 20, 'unclosed-socket'), finding('src/y.c', 5, 'unclosed-on-exception')],
      verdicts,
    );
    assert.equal(r.falsePositives, 1);
    assert.equal(r.truePositives, 1);
    assert.deepEqual(r.unjudged, []);
    assert.deepEqual(
      r.gone.map((v) => v.line),
      [10],
    );
  });

  it('takes the share over judged findings only, and sums the projects', () => {
    const a = compareProject('a+b', [finding('src/x.c', 20, 'unclosed-socket'), finding('src/z.c', 1, 'unclosed-socket')], verdicts);
    const c = compareProject('c+d', [finding('src/x.c', 30, 'unclosed-socket'), finding('src/x.c', 31, 'unclosed-socket')], verdicts);
    assert.equal(fpShare(a), 1); // the unjudged one is left out
    assert.equal(fpShare(compareProject('e+f', [], verdicts)), undefined);
    const all = total([a, c]);
    assert.equal(all.findings, 4);
    assert.equal(all.falsePositives, 2);
    assert.equal(all.unjudged.length, 2);
    assert.equal(all.gone.length, 2);
    const table = formatResults([a, c], true).split('\n');
    assert.equal(table.length, 5);
    assert.equal(table[4], '| overall | 4 | 0 | 2 | 2 | 2 | 0 | 100 % |');
  });
});
