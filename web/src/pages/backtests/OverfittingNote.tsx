// The sweep's probability of backtest overfitting, one line under the ranked table; a warning
// when the best combination is more likely to disappoint than not.
import { pboLine, PBO_WARNING, type Overfitting } from './overfitting';

export function OverfittingNote({ overfitting }: { overfitting: Overfitting | null }) {
  const high = overfitting !== null && overfitting.pbo > PBO_WARNING;
  return (
    <p className={high ? 'warn' : 'muted'} data-testid="sweep-pbo" data-value={overfitting?.pbo ?? ''}>
      {pboLine(overfitting)}
      {overfitting !== null && (
        <>
          {' '}
          <abbr title="DSR, the deflated Sharpe ratio: the chance a combination's Sharpe ratio is real once the number of combinations tried, and its returns' skew and fat tails, are accounted for.">DSR</abbr> in the table: the same question for each combination.
        </>
      )}
    </p>
  );
}
