// The overfitting guard of a sweep in words: the probability of backtest overfitting (PBO) by
// combinatorially symmetric cross-validation, as `arena backtest sweep` prints it.
import type { Schemas } from '../../api/client';
import { num } from '../../lib/format';

export type Overfitting = Schemas['SweepOverfittingOut'];

/** Above this PBO the best combination is more likely luck than not: the line is a warning. */
export const PBO_WARNING = 0.5;

export function pboLine(overfitting: Overfitting | null): string {
  if (overfitting === null) return 'PBO not measured: it needs two combinations or more and at least 8 bars.';
  return `PBO ${num(overfitting.pbo, 2)} (${num(overfitting.splits, 0)} splits): the chance the best in-sample combination is below the median out of sample.`;
}
