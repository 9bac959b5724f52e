import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { Pager } from './Pager';

describe('Pager', () => {
  it('says where the page is and moves by a page', () => {
    const moved: number[] = [];
    render(<Pager offset={50} limit={50} total={122} noun="trades" onOffset={(offset) => moved.push(offset)} testId="trades-pager" />);
    expect(screen.getByTestId('trades-pager-summary').textContent).toBe('51–100 of 122 trades');
    expect(screen.getByText('page 2 of 3')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Next →' }));
    fireEvent.click(screen.getByRole('button', { name: '← Previous' }));
    expect(moved).toEqual([100, 0]);
  });

  it('has no buttons when everything fits on one page', () => {
    render(<Pager offset={0} limit={50} total={7} noun="orders" onOffset={() => undefined} />);
    expect(screen.getByTestId('pager-total').textContent).toBe('7');
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('names the buttons by age for a newest-first list, and stops at the end', () => {
    render(<Pager offset={100} limit={50} total={122} noun="decisions" newestFirst onOffset={() => undefined} />);
    expect((screen.getByRole('button', { name: 'Older →' }) as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByRole('button', { name: '← Newer' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('pages on past a bounded count while pages are full, without a page count', () => {
    render(<Pager offset={0} limit={50} shown={50} total={100_000} count="at_least" noun="rows" onOffset={() => undefined} />);
    expect(screen.getByTestId('pager-total').textContent).toBe('100,000+');
    expect(screen.queryByText(/^page/)).toBeNull();
    expect((screen.getByRole('button', { name: 'Next →' }) as HTMLButtonElement).disabled).toBe(false);
  });
});
