// How the agent report reads: a tally as "hit rate · average outcome", the groups of a horizon
// (regimes or coins) in one order across horizons.
import type { Schemas } from '../../api/client';

export type AgentReport = Schemas['AgentReportOut'];
export type Horizon = Schemas['HorizonOut'];
export type Tally = Schemas['TallyOut'];

/** The regimes in the selector's order, any other after them alphabetically. */
const REGIMES = ['trending', 'squeeze', 'ranging', 'unknown'];

/** Every group named by any horizon: regimes in their order, coins by their calls. */
export function groups(horizons: readonly Horizon[], by: 'by_regime' | 'by_coin'): string[] {
  const calls = new Map<string, number>();
  for (const horizon of horizons) {
    for (const [name, tally] of Object.entries(horizon[by])) calls.set(name, Math.max(calls.get(name) ?? 0, tally.calls));
  }
  const names = [...calls.keys()];
  if (by === 'by_regime') {
    const at = (name: string) => (REGIMES.includes(name) ? REGIMES.indexOf(name) : REGIMES.length);
    return names.sort((a, b) => at(a) - at(b) || a.localeCompare(b));
  }
  return names.sort((a, b) => (calls.get(b) ?? 0) - (calls.get(a) ?? 0) || a.localeCompare(b));
}

/** "54%" or "—" with no judged call. */
export function hitRate(tally: Tally | undefined): string {
  if (!tally || tally.hit_rate === null) return '—';
  return `${Math.round(tally.hit_rate * 100)}%`;
}

/** What a cell's hover says. */
export function tallyTitle(tally: Tally | undefined, bars: number): string {
  if (!tally) return 'No call';
  const parts = [`${tally.hits} of ${tally.known} judged calls right after ${bars} bar${bars === 1 ? '' : 's'}`];
  if (tally.pending) parts.push(`${tally.pending} too close to the data's end to judge`);
  if (tally.aside) parts.push(`${tally.aside} stand-aside calls`);
  return parts.join('; ');
}
