import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LANGUAGE_RULES } from '../../src/analysis/languages/index';
import type { CorpusResult } from '../../scripts/evalLeaks';
import { CORPUS_DIR, evaluateCorpus, formatTable, MIN_PRECISION, MIN_RECALL, precision, recall, RULES } from '../../scripts/evalLeaks';

const covered = new Set<string>(LANGUAGE_RULES.flatMap((r) => r.languages));
const folders = fs
  .readdirSync(CORPUS_DIR, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

describe('labelled leak corpus', () => {
  let result: CorpusResult;
  before(async () => {
    result = await evaluateCorpus();
  });

  for (const folder of folders) {
    // A corpus may land before its language module; it is scored once the module is registered.
    const skip = covered.has(folder) ? false : `no rules registered for ${folder} yet`;
    it(`${folder}: precision ≥ ${MIN_PRECISION} and recall ≥ ${MIN_RECALL}`, { skip }, () => {
      const tally = result.byLanguage.get(folder)!;
      const misses = result.mismatches
        .filter((m) => m.file.startsWith(folder + path.sep))
        .map((m) => `${m.kind}: ${m.file}:${m.line} ${m.rule}`);
      const detail = `\n${formatTable(result)}\n${misses.join('\n')}`;
      assert.ok(precision(tally) >= MIN_PRECISION, `precision ${precision(tally).toFixed(3)}${detail}`);
      assert.ok(recall(tally) >= MIN_RECALL, `recall ${recall(tally).toFixed(3)}${detail}`);
    });
  }

  for (const rule of RULES) {
    it(`rule ${rule}: precision ≥ ${MIN_PRECISION} and recall ≥ ${MIN_RECALL} over every language`, () => {
      const tally = result.byRule.get(rule)!;
      const detail = `\n${formatTable(result)}`;
      assert.ok(tally.truePositives + tally.falseNegatives > 0, `no labelled ${rule} case${detail}`);
      assert.ok(precision(tally) >= MIN_PRECISION, `precision ${precision(tally).toFixed(3)}${detail}`);
      assert.ok(recall(tally) >= MIN_RECALL, `recall ${recall(tally).toFixed(3)}${detail}`);
    });
  }

  it('has at least 25 cases with both leaks and clean code for JavaScript, TypeScript and Python', () => {
    for (const folder of ['javascript', 'typescript', 'python']) {
      const tally = result.byLanguage.get(folder)!;
      assert.ok(tally.files >= 25, `${folder}: ${tally.files} files`);
      const expected = tally.truePositives + tally.falseNegatives;
      assert.ok(expected >= 8 && expected < tally.files, `${folder}: ${expected} labelled leaks in ${tally.files} files`);
    }
  });
});
