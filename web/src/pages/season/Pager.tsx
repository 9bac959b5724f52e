// Previous / next through a list the API pages (limit/offset), with where the reader is.
export function Pager({
  total,
  limit,
  offset,
  noun,
  onPage,
}: {
  total: number;
  limit: number;
  offset: number;
  noun: string;
  onPage: (page: number) => void;
}) {
  const page = Math.floor(offset / limit) + 1;
  const pages = Math.max(1, Math.ceil(total / limit));
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(total, offset + limit);
  return (
    <div className="pager" data-testid="pager">
      <span className="muted num" data-testid="pager-summary">
        {first.toLocaleString('en-US')}–{last.toLocaleString('en-US')} of{' '}
        <span data-testid="pager-total">{total.toLocaleString('en-US')}</span> {noun}
      </span>
      {pages > 1 && (
        <span className="pager-buttons">
          <button type="button" onClick={() => onPage(page - 1)} disabled={page <= 1}>
            ← Newer
          </button>
          <span className="muted num">
            page {page} of {pages}
          </span>
          <button type="button" onClick={() => onPage(page + 1)} disabled={page >= pages}>
            Older →
          </button>
        </span>
      )}
    </div>
  );
}
