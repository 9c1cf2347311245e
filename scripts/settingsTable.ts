// Renders the README's settings table from package.json, so the two never disagree.
// `npm run docs:settings` rewrites the README; test/unit/readme.test.ts checks it is current.
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const START = '<!-- settings:start -->';
const END = '<!-- settings:end -->';

interface SettingSchema {
  type?: string | string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  markdownDescription?: string;
  description?: string;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
}

export function settingsTable(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, SettingSchema> } };
  };
  const rows = Object.entries(pkg.contributes.configuration.properties).map(([key, s]) => {
    const range = s.minimum !== undefined || s.maximum !== undefined ? ` (${s.minimum ?? ''}–${s.maximum ?? ''})` : '';
    const values = s.enum ? ` one of ${s.enum.map((v) => `\`${String(v)}\``).join(', ')}` : '';
    const def = `\`${JSON.stringify(s.default)}\``;
    return `| \`${key}\` | ${cell(def)}${range}${values} | ${cell(s.markdownDescription ?? s.description ?? '')} |`;
  });
  return [START, '| Setting | Default | What it does |', '| --- | --- | --- |', ...rows, END].join('\n');
}

export function readmeWithSettings(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start >= 0 && end > start) return readme.slice(0, start) + settingsTable() + readme.slice(end + END.length);
  const marker = '<!-- section:settings -->';
  if (!readme.includes(marker)) throw new Error(`README has neither ${START} nor ${marker}`);
  return readme.replace(marker, `${marker}\n${settingsTable()}`);
}

if (require.main === module) {
  const file = path.join(ROOT, 'README.md');
  fs.writeFileSync(file, readmeWithSettings(fs.readFileSync(file, 'utf8')));
  console.log('README.md settings table updated');
}
