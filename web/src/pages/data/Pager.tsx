// Previous / next through a list the API pages (limit/offset), saying where the reader is.
import { pageSpot, type CountKind } from './paging';

export function Pager({
  offset,
  limit,
  shown,
  total,
  count = 'exact',
  noun,
  onOffset,
  testId = 'pager',
}: {
  offset: number;
  limit: number;
  shown: number;
  total: number;
  count?: CountKind;
  noun: string;
  onOffset: (offset: number) => void;
  testId?: string;
}) {
  const spot = pageSpot(offset, limit, shown, total, count);
  return (
    <div className="pager row" data-testid={testId}>
      <span className="muted num" data-testid={`${testId}-summary`}>
        {spot.first.toLocaleString('en-US')}–{spot.last.toLocaleString('en-US')} of{' '}
        <span data-testid={`${testId}-total`} title={count === 'exact' ? undefined : 'counted up to a bound, so that big tables page fast'}>
          {spot.totalLabel}
        </span>{' '}
        {noun}
      </span>
      {(spot.hasPrevious || spot.hasNext) && (
        <span className="row">
          <button type="button" onClick={() => onOffset(Math.max(0, offset - limit))} disabled={!spot.hasPrevious}>
            ← Previous
          </button>
          <button type="button" onClick={() => onOffset(offset + limit)} disabled={!spot.hasNext}>
            Next →
          </button>
        </span>
      )}
    </div>
  );
}
