import { ageText } from '../core/ageText';
import { displayText } from '../core/displayText';
import type { Connection } from '../core/model';

/** Why a connection has no process, in the words the tree uses. */
export function ownerDescription(c: Connection): string {
  switch (c.owner) {
    case 'known':
      return `${displayText(c.process ?? '?')} (${c.pid})`;
    case 'kernel':
      return c.inferredOwner ? `${displayText(c.inferredOwner.reason)} (inferred)` : 'no process: held by the kernel';
    case 'hidden':
      return 'owner not visible: run with more privileges';
    default:
      return 'no process found (another PID namespace, or just closed)';
  }
}

/** What the row says after its endpoints: "CLOSE_WAIT · 12 min · node (4242)". */
export function connectionDescription(c: Connection, closed: boolean, stuck: boolean): string {
  const age = ageText(c, true);
  const state = `${c.state}${age ? ` · ${age}` : ''}${stuck ? ' stuck' : ''}`;
  return `${closed ? 'closed · ' : ''}${state} · ${ownerDescription(c)}`;
}
