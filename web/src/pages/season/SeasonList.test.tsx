import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { SeasonTable } from './SeasonList';

const page = (offset: number, total: number) => ({
  limit: 2,
  offset,
  total,
  items: Array.from({ length: Math.max(0, Math.min(2, total - offset)) }, (_, i) => ({ n: offset + i + 1 })),
});
const loaded = <T,>(data: T) => ({ isPending: false, error: null, data });

function Table({ data, onPage = () => undefined }: { data: ReturnType<typeof page>; onPage?: (page: number) => void }) {
  return (
    <SeasonTable
      query={loaded(data)}
      noun="trades"
      empty="No trades yet."
      testId="trades"
      onPage={onPage}
      head={<th>#</th>}
      row={(item) => (
        <tr key={item.n} data-testid="row">
          <td>{item.n}</td>
        </tr>
      )}
    />
  );
}

describe('a season list table', () => {
  it('shows the page of rows under a pager, and asks for pages by number', () => {
    const asked: number[] = [];
    render(<Table data={page(2, 5)} onPage={(n) => asked.push(n)} />);
    expect(screen.getAllByTestId('row').map((row) => row.textContent)).toEqual(['3', '4']);
    expect(screen.getByTestId('pager-summary').textContent).toBe('3–4 of 5 trades');
    fireEvent.click(screen.getByRole('button', { name: 'Older →' }));
    fireEvent.click(screen.getByRole('button', { name: '← Newer' }));
    expect(asked).toEqual([3, 1]);
  });

  it('says what to do when the list is empty', () => {
    render(<Table data={page(0, 0)} />);
    expect(screen.getByTestId('empty').textContent).toBe('No trades yet.');
    expect(screen.queryByTestId('trades')).toBeNull();
  });
});
