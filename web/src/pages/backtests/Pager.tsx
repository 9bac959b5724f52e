// Previous / next through a list the API pages (limit/offset).
export function Pager({ total, limit, offset, noun, onOffset }: { total: number; limit: number; offset: number; noun: string; onOffset: (offset: number) => void }) {
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(total, offset + limit);
  return (
    <div className="bt-pager" data-testid={`${noun}-pager`}>
      <span className="muted num">
        {first.toLocaleString('en-US')}–{last.toLocaleString('en-US')} of {total.toLocaleString('en-US')} {noun}
      </span>
      {total > limit && (
        <span className="row">
          <button type="button" onClick={() => onOffset(Math.max(0, offset - limit))} disabled={offset === 0}>
            ← Previous
          </button>
          <button type="button" onClick={() => onOffset(offset + limit)} disabled={last >= total}>
            Next →
          </button>
        </span>
      )}
    </div>
  );
}
