import { jsonOutput } from '../../src/cli/table';
import { nextTurn } from '../../src/core/async';
import { DEFAULT_ALERT_SETTINGS } from '../../src/core/alerts/types';
import { LocalCollector } from '../../src/core/linux/localCollector';
import { firstItems } from '../../src/core/paging';
import { Sampler } from '../../src/core/sampling/sampler';
import { isStuckCloseWait } from '../../src/core/stuck';
import { rowEntries, TreeRows } from '../../src/views/groupRows';
import { connectionDescription } from '../../src/views/rowText';

const PAGE = 200;
const EXPANDED = 'CLOSE_WAIT';

/**
 * One refresh as the extension does it with the Connections view visible and grouped by state:
 * the sampler's full sample (snapshot with processes and ages, TIME_WAIT causes, descriptor
 * usage, diff, counts, alerts), then what the tree computes from it: the groups with their
 * counts, and for the expanded group (CLOSE_WAIT, as in the extension-host rows) the stable row
 * order and the first page of rows with their descriptions (the tree compares them to refresh
 * only changed groups, and shows them).
 */
export function visibleRefresh(): () => Promise<unknown> {
  const sampler = new Sampler(new LocalCollector(), DEFAULT_ALERT_SETTINGS);
  const tree = new TreeRows();
  const shows = (key: string) => key === EXPANDED;
  const options = { groupBy: 'state' as const, stuckAfterSeconds: DEFAULT_ALERT_SETTINGS.closeWaitStuckSeconds, hideEmpty: false, shows };
  return async () => {
    const sample = await sampler.take('full');
    if (!sample?.full) throw new Error('no full sample');
    const { snapshot, diff, sequence } = sample.full;
    // LiveData tells the tree of a snapshot on a turn after the sampler's (src/live/liveData.ts).
    await nextTurn();
    let text = 0;
    for (const g of tree.group(snapshot.connections, diff, sequence, options)) {
      if (!shows(g.group.key)) continue;
      for (const row of rowEntries(firstItems(g.rows, PAGE).items, g.closed)) {
        const stuck = !row.closed && isStuckCloseWait(row.connection, options.stuckAfterSeconds);
        text += row.id.length + connectionDescription(row.connection, row.closed, stuck).length;
      }
    }
    return text;
  };
}

/** One sample of `tcp-lens watch --json` as its loop takes it: the sampler's full sample and its line. */
export function watchSample(): () => Promise<unknown> {
  const sampler = new Sampler(new LocalCollector(), DEFAULT_ALERT_SETTINGS);
  return async () => {
    const sample = await sampler.take('full');
    if (!sample) throw new Error('no sample');
    return jsonOutput({ type: 'sample', host: sample.host.label, takenAt: sample.takenAt.toISOString(), counts: sample.counts }).length;
  };
}
