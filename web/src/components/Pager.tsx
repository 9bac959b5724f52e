// Previous / next through a list the API pages (limit/offset), saying where the reader is:
// "51–100 of 1,234 trades", and "page 2 of 25" when the count is exact.
import { pageSpot, type PagePlace } from './paging';

export function Pager({
  noun,
  onOffset,
  newestFirst = false,
  testId = 'pager',
  ...place
}: PagePlace & {
  noun: string;
  onOffset: (offset: number) => void;
  /** The list runs newest first: the buttons say Newer / Older. */
  newestFirst?: boolean;
  testId?: string;
}) {
  const { offset, limit, count = 'exact' } = place;
  const spot = pageSpot(place);
  return (
    <div className="pager" data-testid={testId}>
      <span className="muted num" data-testid={`${testId}-summary`}>
        {spot.first.toLocaleString('en-US')}–{spot.last.toLocaleString('en-US')} of{' '}
        <span data-testid={`${testId}-total`} title={count === 'exact' ? undefined : 'counted up to a bound, so that big tables page fast'}>
          {spot.totalLabel}
        </span>{' '}
        {noun}
      </span>
      {(spot.hasPrevious || spot.hasNext) && (
        <span className="pager-buttons">
          <button type="button" onClick={() => onOffset(Math.max(0, offset - limit))} disabled={!spot.hasPrevious}>
            {newestFirst ? '← Newer' : '← Previous'}
          </button>
          {spot.pages !== null && (
            <span className="muted num">
              page {spot.page.toLocaleString('en-US')} of {spot.pages.toLocaleString('en-US')}
            </span>
          )}
          <button type="button" onClick={() => onOffset(offset + limit)} disabled={!spot.hasNext}>
            {newestFirst ? 'Older →' : 'Next →'}
          </button>
        </span>
      )}
    </div>
  );
}
