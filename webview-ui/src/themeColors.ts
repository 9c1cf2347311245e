import { STATE_COLOR_IDS } from '../../src/shared/stateColors';
import type { TcpStateName } from '../../src/core/model';

/** Used only where a --vscode-* variable is missing (an old VS Code, a test page). */
const FALLBACK: Record<string, string> = {
  'charts.blue': '#3794ff',
  'charts.green': '#89d185',
  'charts.red': '#f14c4c',
  'charts.orange': '#d18616',
  'charts.yellow': '#cca700',
  'charts.purple': '#b180d7',
  descriptionForeground: '#9d9d9d',
  foreground: '#cccccc',
  'editorWarning.foreground': '#cca700',
  'editorError.foreground': '#f14c4c',
  'editor.background': '#1e1e1e',
  'panel.border': '#80808059',
};

/** The value of a theme color id (`charts.red`) from its `--vscode-charts-red` variable. */
export function themeColor(id: string): string {
  const value = getComputedStyle(document.documentElement)
    .getPropertyValue(`--vscode-${id.replace(/\./g, '-')}`)
    .trim();
  return value || FALLBACK[id] || '#888888';
}

export function stateColor(state: TcpStateName): string {
  return themeColor(STATE_COLOR_IDS[state]);
}

/** VS Code's high-contrast themes (dark and light) put one of these classes on the body. */
export function isHighContrast(): boolean {
  return document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
}

/** Calls `onChange` when VS Code switches theme (it rewrites body's class and html's style). */
export function onThemeChange(onChange: () => void): void {
  const observer = new MutationObserver(onChange);
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
}

/** `color` at opacity `alpha`, for stacked-area fills; canvas cannot take color-mix(). */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{3,8})$/i.exec(color)?.[1];
  if (hex && (hex.length === 3 || hex.length === 6 || hex.length === 8)) {
    const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex.slice(0, 6);
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(color);
  return rgb ? `rgba(${rgb[1]}, ${rgb[2]}, ${rgb[3]}, ${alpha})` : color;
}
