import type { TcpStateName } from '../core/model';
import { TCP_STATE_NAMES } from '../core/model';
import { UsageError } from './usage';

/** How `ss` spells each state (its filter names), where that is not the kernel name in lower case with dashes. */
const SS_SPELLING: Partial<Record<TcpStateName, string>> = {
  ESTABLISHED: 'estab',
  FIN_WAIT1: 'fin-wait-1',
  FIN_WAIT2: 'fin-wait-2',
  CLOSE: 'closed',
  LISTEN: 'listening',
};

function ssName(state: TcpStateName): string {
  return SS_SPELLING[state] ?? state.toLowerCase().replace(/_/g, '-');
}

const BY_SPELLING = new Map<string, TcpStateName>();
for (const state of TCP_STATE_NAMES) {
  BY_SPELLING.set(state, state);
  BY_SPELLING.set(ssName(state).toUpperCase(), state);
}
// ss's output column spells these two without the last dash.
BY_SPELLING.set('FIN-WAIT1', 'FIN_WAIT1');
BY_SPELLING.set('FIN-WAIT2', 'FIN_WAIT2');

/**
 * A state as the user typed it: the kernel's spelling (`CLOSE_WAIT`, any case) or ss's
 * (`close-wait`, `estab`, `fin-wait-1`); anything else is a UsageError listing both.
 */
export function parseStateOption(value: string | undefined): TcpStateName | undefined {
  if (value === undefined) return undefined;
  const typed = value.trim().toUpperCase();
  const state = BY_SPELLING.get(typed) ?? BY_SPELLING.get(typed.replace(/_/g, '-'));
  if (state !== undefined) return state;
  const valid = TCP_STATE_NAMES.map((s) => `${s} (${ssName(s)})`).join(', ');
  throw new UsageError(`--state: unknown TCP state "${value}"; one of ${valid}`);
}
