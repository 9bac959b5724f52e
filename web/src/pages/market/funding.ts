// Funding settlements as the chart draws them (signed percentages per settlement, coloured by
// who pays) and the figures printed beside it.
import type { UTCTimestamp } from 'lightweight-charts';

export interface Settlement {
  ts: number; // epoch ms
  rate: number; // a fraction per settlement
}

export interface FundingBar {
  time: UTCTimestamp;
  value: number; // percent
  color: string;
}

/** One histogram bar per settlement, oldest first, in percent; a repeated time keeps the last. */
export function fundingBars(rates: Settlement[], colors: { gain: string; loss: string }): FundingBar[] {
  const byTime = new Map<number, number>();
  for (const item of rates) {
    if (Number.isFinite(item.rate)) byTime.set(Math.floor(item.ts / 1000), item.rate);
  }
  return [...byTime.entries()]
    .sort(([a], [b]) => a - b)
    .map(([time, rate]) => ({
      time: time as UTCTimestamp,
      value: rate * 100,
      // longs pay shorts when the rate is positive: the colour of a gain for shorts is not
      // obvious, so colour simply by sign (and always print the sign)
      color: rate >= 0 ? colors.gain : colors.loss,
    }));
}

export interface FundingSummary {
  latest: number | null;
  mean: number | null;
  positiveShare: number | null; // fraction of settlements with a positive rate
  perYear: number | null; // settlements a year, from the typical spacing
  annualized: number | null; // mean × settlements a year
}

const YEAR_MS = 365 * 24 * 3_600_000;

/** The latest and mean rate, how often it was positive, and the mean as a yearly rate. */
export function fundingSummary(rates: Settlement[]): FundingSummary {
  const valid = rates.filter((item) => Number.isFinite(item.rate)).sort((a, b) => a.ts - b.ts);
  if (valid.length === 0) {
    return { latest: null, mean: null, positiveShare: null, perYear: null, annualized: null };
  }
  const mean = valid.reduce((sum, item) => sum + item.rate, 0) / valid.length;
  const positiveShare = valid.filter((item) => item.rate > 0).length / valid.length;
  const spacing = medianSpacing(valid.map((item) => item.ts));
  const perYear = spacing === null ? null : YEAR_MS / spacing;
  return {
    latest: valid[valid.length - 1]?.rate ?? null,
    mean,
    positiveShare,
    perYear,
    annualized: perYear === null ? null : mean * perYear,
  };
}

function medianSpacing(times: number[]): number | null {
  const steps = times.slice(1).map((ts, i) => ts - (times[i] ?? ts)).filter((step) => step > 0);
  if (steps.length === 0) return null;
  steps.sort((a, b) => a - b);
  return steps[Math.floor(steps.length / 2)] ?? null;
}
