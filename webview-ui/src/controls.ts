import { WINDOW_CHOICES_MS, type ProcessBreakdown, type WindowMs } from '../../src/shared/chartProtocol';
import { STATE_DISPLAY_ORDER, stateInfo } from '../../src/core/states';
import type { TcpStateName } from '../../src/core/model';
import type { ChartMode } from './historyChart';
import { stateColor } from './themeColors';

export interface ControlHandlers {
  onWindow(windowMs: WindowMs): void;
  /** Back from a Prometheus instance to the live host's history. */
  onShowLive(): void;
  /** A process of the Prometheus instance's breakdown, or -1 for all of them. */
  onProcess(index: number): void;
  onMode(mode: ChartMode): void;
  onFollow(follow: boolean): void;
  onToggleState(state: TcpStateName): void;
  onExportCsv(): void;
  onExportPng(): void;
}

const WINDOW_LABELS = new Map<WindowMs, string>([
  [WINDOW_CHOICES_MS[0], '5 min'],
  [WINDOW_CHOICES_MS[1], '1 h'],
  [WINDOW_CHOICES_MS[2], '24 h'],
  [WINDOW_CHOICES_MS[3], '7 d'],
  [WINDOW_CHOICES_MS[4], 'All'],
]);
/** "All" of a Prometheus instance is a fixed span (PROMETHEUS_ALL_MS), named as such. */
const PROMETHEUS_ALL_LABEL = '30 d';

/** A process choice as the breakdown lists it. */
export type ProcessChoice = Pick<ProcessBreakdown, 'label' | 'peakStuck' | 'peakCloseWait'>;

function button(text: string, title: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = text;
  b.title = title;
  b.addEventListener('click', onClick);
  return b;
}

function group(label: string, ...children: HTMLElement[]): HTMLElement {
  const g = document.createElement('div');
  g.className = 'group';
  g.setAttribute('role', 'group');
  g.setAttribute('aria-label', label);
  g.append(...children);
  return g;
}

/** Toolbar (window, mode, follow, export), status line and the legend that toggles states. */
export class Controls {
  readonly element = document.createElement('header');
  readonly legend = document.createElement('div');
  private readonly status = document.createElement('span');
  private readonly windowButtons = new Map<WindowMs, HTMLButtonElement>();
  private readonly modeButtons = new Map<ChartMode, HTMLButtonElement>();
  private readonly followButton: HTMLButtonElement;
  private readonly liveButton: HTMLButtonElement;
  private readonly processPicker = document.createElement('select');
  private readonly sourceGroup: HTMLElement;
  private readonly csvButton: HTMLButtonElement;
  private processKey = '';
  private readonly legendItems = new Map<TcpStateName, { item: HTMLButtonElement; swatch: HTMLElement; count: HTMLElement }>();

  constructor(h: ControlHandlers) {
    for (const w of WINDOW_CHOICES_MS)
      this.windowButtons.set(
        w,
        button(WINDOW_LABELS.get(w) ?? '', `Show the last ${WINDOW_LABELS.get(w)}`, () => h.onWindow(w)),
      );
    this.modeButtons.set(
      'line',
      button('Lines', 'One line per state', () => h.onMode('line')),
    );
    this.modeButtons.set(
      'stacked',
      button('Stacked', 'Stacked areas: the top edge is the total', () => h.onMode('stacked')),
    );
    this.followButton = button('Pause', 'Stop following new samples', () => h.onFollow(this.followButton.dataset.follow !== 'true'));
    this.liveButton = button('← Live host', "Back to the live host's history", h.onShowLive);
    this.processPicker.title = 'Per-process series exported by tcp-lens exporter on this instance';
    this.processPicker.setAttribute('aria-label', 'Process');
    this.processPicker.addEventListener('change', () => h.onProcess(Number(this.processPicker.value)));
    this.sourceGroup = group('Source', this.liveButton, this.processPicker);
    this.sourceGroup.hidden = true;
    this.csvButton = button('CSV', 'Save the visible states as CSV', h.onExportCsv);
    this.element.className = 'toolbar';
    this.element.append(
      this.sourceGroup,
      group('Time window', ...this.windowButtons.values()),
      group('Chart type', ...this.modeButtons.values()),
      group('Follow', this.followButton),
      group('Export', this.csvButton, button('PNG', 'Save the chart as a PNG image', h.onExportPng)),
    );
    this.status.className = 'status';
    this.status.setAttribute('aria-live', 'polite');
    this.element.append(this.status);

    this.legend.className = 'legend';
    this.legend.setAttribute('role', 'group');
    this.legend.setAttribute('aria-label', 'States (click to show or hide)');
    for (const state of STATE_DISPLAY_ORDER) {
      const item = button('', `${state}: ${stateInfo(state).summary} Click to show or hide.`, () => h.onToggleState(state));
      item.className = 'legend-item';
      item.dataset.state = state;
      const swatch = document.createElement('span');
      swatch.className = `swatch swatch-${state.toLowerCase()}`;
      const name = document.createElement('span');
      name.textContent = state;
      const count = document.createElement('span');
      count.className = 'count';
      item.append(swatch, name, count);
      this.legend.append(item);
      this.legendItems.set(state, { item, swatch, count });
    }
    this.applyTheme();
  }

  show(windowMs: WindowMs, mode: ChartMode, follow: boolean, hidden: ReadonlySet<TcpStateName>): void {
    for (const [w, b] of this.windowButtons) b.setAttribute('aria-pressed', String(w === windowMs));
    for (const [m, b] of this.modeButtons) b.setAttribute('aria-pressed', String(m === mode));
    this.followButton.dataset.follow = String(follow);
    this.followButton.textContent = follow ? 'Pause' : 'Follow';
    this.followButton.title = follow ? 'Stop following new samples' : 'Follow new samples again';
    this.followButton.setAttribute('aria-pressed', String(!follow));
    for (const [state, { item }] of this.legendItems) item.setAttribute('aria-pressed', String(!hidden.has(state)));
  }

  /**
   * Prometheus mode: the way back to the live host, "All" named for its fixed span, and the
   * instance's processes (none where it runs node_exporter). `undefined`: the live host.
   */
  showSource(prometheus: { processes: readonly ProcessChoice[]; selected: number } | undefined): void {
    this.sourceGroup.hidden = prometheus === undefined;
    // CSV is written from the live host's full-resolution history, which a Prometheus instance does not have here.
    this.csvButton.disabled = prometheus !== undefined;
    this.csvButton.title = prometheus
      ? 'CSV export is for the live host; query Prometheus for this instance'
      : 'Save the visible states as CSV';
    const all = this.windowButtons.get(null);
    if (all) {
      all.textContent = prometheus ? PROMETHEUS_ALL_LABEL : (WINDOW_LABELS.get(null) ?? '');
      all.title = prometheus ? 'Show the last 30 days stored in Prometheus' : 'Show all the history kept';
    }
    const processes = prometheus?.processes ?? [];
    this.processPicker.hidden = processes.length === 0;
    const key = processes.map((p) => `${p.label}|${p.peakStuck}|${p.peakCloseWait}`).join('\n');
    if (key !== this.processKey) {
      this.processKey = key;
      const options = [new Option(`All processes (${processes.length})`, '-1')];
      processes.forEach((p, i) => {
        const detail = p.peakStuck > 0 ? ` · ${p.peakStuck} stuck` : p.peakCloseWait > 0 ? ` · CLOSE_WAIT ${p.peakCloseWait}` : '';
        options.push(new Option(`${p.label}${detail}`, String(i)));
      });
      this.processPicker.replaceChildren(...options);
    }
    this.processPicker.value = String(prometheus?.selected ?? -1);
  }

  showCounts(latest: (state: TcpStateName) => number | undefined): void {
    for (const [state, { count }] of this.legendItems) {
      const n = latest(state);
      count.textContent = n === undefined ? '' : n.toLocaleString('en-US');
    }
  }

  setStatus(text: string): void {
    this.status.textContent = text;
  }

  applyTheme(): void {
    for (const [state, { swatch }] of this.legendItems) swatch.style.backgroundColor = stateColor(state);
  }
}
