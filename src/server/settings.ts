import type { Connection } from 'vscode-languageserver/node';
import { DEFAULT_LEAK_SETTINGS, type LeakSettings } from '../shared/lspProtocol';

const SEVERITIES = new Set<LeakSettings['severity']>(['error', 'warning', 'information', 'hint']);

/**
 * Accepts what users actually write: `enable` as an object per language id, an array of enabled
 * language ids, or one boolean; anything malformed falls back to the default.
 */
export function normalizeLeakSettings(raw: unknown): LeakSettings {
  const value = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  return {
    enable: normalizeEnable(value.enable),
    severity: SEVERITIES.has(value.severity as LeakSettings['severity']) ? (value.severity as LeakSettings['severity']) : DEFAULT_LEAK_SETTINGS.severity,
    ignore: Array.isArray(value.ignore) ? value.ignore.filter((g): g is string => typeof g === 'string' && g.length > 0) : DEFAULT_LEAK_SETTINGS.ignore,
  };
}

const ALL_LANGUAGES = ['javascript', 'typescript', 'tsx', 'python', 'go', 'java', 'c', 'cpp', 'csharp', 'rust'];

function normalizeEnable(raw: unknown): Record<string, boolean> {
  if (typeof raw === 'boolean') return Object.fromEntries(ALL_LANGUAGES.map((l) => [l, raw]));
  if (Array.isArray(raw)) return Object.fromEntries(ALL_LANGUAGES.map((l) => [l, raw.includes(l)]));
  if (raw && typeof raw === 'object') {
    return Object.fromEntries(Object.entries(raw).filter((e): e is [string, boolean] => typeof e[1] === 'boolean'));
  }
  return {};
}

/** Whether the analysis runs for an analyzer language; a language not mentioned is on. */
export function isLanguageEnabled(settings: LeakSettings, language: string): boolean {
  // VS Code calls TSX "typescriptreact"; users may write either.
  const aliases = language === 'tsx' ? ['tsx', 'typescriptreact', 'typescript'] : [language];
  for (const id of aliases) if (id in settings.enable) return settings.enable[id];
  return true;
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
