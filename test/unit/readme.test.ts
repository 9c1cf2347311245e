import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { readmeWithSettings } from '../../scripts/settingsTable';

const README = path.resolve(__dirname, '../../README.md');

describe('README', () => {
  it('lists every setting of package.json as it is (run `npm run docs:settings` after changing one)', () => {
    const readme = fs.readFileSync(README, 'utf8');
    assert.equal(readmeWithSettings(readme), readme);
  });

  it('quick start names the two commands that exist', () => {
    const readme = fs.readFileSync(README, 'utf8');
    const scripts = (
      JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    assert.match(readme, /npm ci && npm run demo/);
    assert.match(readme, /bash \.ci\/run/);
    assert.ok(scripts.demo && scripts.test, 'demo and test scripts exist');
    assert.ok(fs.existsSync(path.resolve(__dirname, '../../.ci/run')));
  });
});
