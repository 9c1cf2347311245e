// The settings have one owner (src/config/): their defaults, types and ranges are package.json's,
// and what the code assumes elsewhere (the CLI's defaults, ssh's timeout range) agrees with it.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_ALERT_SETTINGS } from '../../src/core/alerts/types';
import { CONNECT_TIMEOUT_DEFAULT, CONNECT_TIMEOUT_MAX, CONNECT_TIMEOUT_MIN } from '../../src/core/ssh/sshCommand';
import { DEFAULT_LEAK_SETTINGS } from '../../src/shared/lspProtocol';
import { checkSetting, SETTING_IDS, SETTING_SCHEMAS, type SettingId } from '../../src/config/schema';

const SRC = path.resolve(__dirname, '../../src');
const manifest = JSON.parse(readFileSync(path.resolve(SRC, '../package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default: unknown; minimum?: number; maximum?: number }> } };
};
const properties = manifest.contributes.configuration.properties;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? sources(file) : file.endsWith('.ts') ? [file] : [];
  });
}

const problem = (id: SettingId, value: unknown) => {
  const checked = checkSetting(id, value);
  return 'problem' in checked ? checked.problem : undefined;
};

describe("settings: one owner, package.json's schema", () => {
  it('knows every contributed setting, and each default passes its own schema', () => {
    assert.deepEqual(SETTING_IDS, Object.keys(properties));
    for (const id of SETTING_IDS) assert.equal(problem(id, SETTING_SCHEMAS[id].default), undefined, id);
  });

  it('refuses values of the wrong type, out of range, not whole or not among the words, saying what is allowed', () => {
    assert.equal(problem('tcpLens.pageSize', 5), 'tcpLens.pageSize must be a number from 10 to 5000 (got 5)');
    assert.equal(
      problem('tcpLens.alerts.closeWaitStuckSeconds', 0),
      'tcpLens.alerts.closeWaitStuckSeconds must be a whole number from 1 to 86400 (got 0)',
    );
    assert.match(problem('tcpLens.alerts.closeWaitStuckSeconds', 1.5)!, /whole number/);
    assert.match(problem('tcpLens.alerts.fdLimitRatio', 0.05)!, /from 0\.1 to 1/);
    assert.equal(problem('tcpLens.alerts.fdLimitRatio', 0.5), undefined);
    assert.match(problem('tcpLens.refreshInterval', '2')!, /must be a number from 0\.5 to 3600 \(got "2"\)/);
    assert.equal(
      problem('tcpLens.leaks.severity', 'loud'),
      'tcpLens.leaks.severity must be one of error, warning, information, hint (got "loud")',
    );
    assert.equal(problem('tcpLens.alerts.notify', 'yes'), 'tcpLens.alerts.notify must be a boolean (got "yes")');
    assert.equal(problem('tcpLens.leaks.enable', ['python']), undefined, 'enable takes an object, an array or a boolean');
    assert.match(problem('tcpLens.prometheus.sshHosts', [])!, /must be an object/);
  });

  it('only src/config reads settings in the extension (the language server pulls its own over LSP)', () => {
    const readers = sources(SRC)
      .filter((f) => /getConfiguration\(/.test(readFileSync(f, 'utf8')))
      .map((f) => path.relative(SRC, f));
    assert.deepEqual(readers.sort(), ['config/config.ts', 'server/settings.ts']);
  });

  it('every setting is read somewhere', () => {
    const code = sources(SRC)
      .filter((f) => !f.endsWith(path.join('config', 'schema.ts')))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    // The server asks for the whole `tcpLens.leaks` section.
    const unread = SETTING_IDS.filter(
      (id) => !code.includes(`'${id}'`) && !(id.startsWith('tcpLens.leaks.') && code.includes("section: 'tcpLens.leaks'")),
    );
    assert.deepEqual(unread, []);
  });

  it("defaults the code keeps for the CLI and the language server are package.json's", () => {
    assert.equal(DEFAULT_ALERT_SETTINGS.closeWaitStuckSeconds, properties['tcpLens.alerts.closeWaitStuckSeconds'].default);
    assert.equal(DEFAULT_ALERT_SETTINGS.fdLimitRatio, properties['tcpLens.alerts.fdLimitRatio'].default);
    assert.deepEqual(DEFAULT_ALERT_SETTINGS.thresholds, properties['tcpLens.alerts.thresholds'].default);
    const timeout = properties['tcpLens.ssh.connectTimeout'];
    assert.deepEqual(
      [CONNECT_TIMEOUT_DEFAULT, CONNECT_TIMEOUT_MIN, CONNECT_TIMEOUT_MAX],
      [timeout.default, timeout.minimum, timeout.maximum],
    );
    assert.equal(DEFAULT_LEAK_SETTINGS.severity, properties['tcpLens.leaks.severity'].default);
    assert.deepEqual(DEFAULT_LEAK_SETTINGS.ignore, properties['tcpLens.leaks.ignore'].default);
  });
});
