import type { Connection } from 'vscode-languageserver/node';
import { LEAK_LANGUAGES, LEAK_LANGUAGE_NAMES } from '../analysis/languageTable';
import { DEFAULT_LEAK_SETTINGS, type LeakSettings } from '../shared/lspProtocol';

const SEVERITIES = new Set<LeakSettings['severity']>(['error', 'warning', 'information', 'hint']);

/**
 * Accepts what users actually write: `enable` as an object per language id, an array of enabled
 * language ids, or one boolean; anything malformed falls back to the default. `enable` comes out
 * per analyzer language.
 */
export function normalizeLeakSettings(raw: unknown): LeakSettings {
  const value = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  return {
    enable: normalizeEnable(value.enable),
    severity: SEVERITIES.has(value.severity as LeakSettings['severity'])
      ? (value.severity as LeakSettings['severity'])
      : DEFAULT_LEAK_SETTINGS.severity,
    ignore: Array.isArray(value.ignore)
      ? value.ignore.filter((g): g is string => typeof g === 'string' && g.length > 0)
      : DEFAULT_LEAK_SETTINGS.ignore,
  };
}

function normalizeEnable(raw: unknown): Record<string, boolean> {
  const keysOf = (language: keyof typeof LEAK_LANGUAGES): readonly string[] => LEAK_LANGUAGES[language].settingKeys;
  if (typeof raw === 'boolean') return Object.fromEntries(LEAK_LANGUAGE_NAMES.map((l) => [l, raw]));
  if (Array.isArray(raw)) return Object.fromEntries(LEAK_LANGUAGE_NAMES.map((l) => [l, keysOf(l).some((k) => raw.includes(k))]));
  if (raw && typeof raw === 'object') {
    const set = raw as Record<string, unknown>;
    const entries = LEAK_LANGUAGE_NAMES.map(
      (l) =>
        [
          l,
          keysOf(l)
            .map((k) => set[k])
            .find((v) => typeof v === 'boolean'),
        ] as const,
    );
    return Object.fromEntries(entries.filter((e): e is [(typeof e)[0], boolean] => e[1] !== undefined));
  }
  return {};
}

/** Whether the analysis runs for an analyzer language; a language not mentioned is on. */
export function isLanguageEnabled(settings: LeakSettings, language: string): boolean {
  return settings.enable[language] ?? true;
}

/** Settings per resource, pulled with workspace/configuration and cached until they change. */
export class SettingsCache {
  private readonly cache = new Map<string, Promise<LeakSettings>>();
  supportsPull = false;

  constructor(private readonly connection: Connection) {}

  get(uri: string): Promise<LeakSettings> {
    if (!this.supportsPull) return Promise.resolve(DEFAULT_LEAK_SETTINGS);
    let settings = this.cache.get(uri);
    if (!settings) {
      settings = this.connection.workspace
        .getConfiguration({ scopeUri: uri, section: 'tcpLens.leaks' })
        .then(normalizeLeakSettings, () => DEFAULT_LEAK_SETTINGS);
      this.cache.set(uri, settings);
    }
    return settings;
  }

  clear(): void {
    this.cache.clear();
  }
}
