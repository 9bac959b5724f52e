import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { ApiError } from '../api/client';
import { QueryView } from './States';

describe('QueryView', () => {
  it('shows a skeleton while loading', () => {
    render(<QueryView query={{ isPending: true, error: null, data: undefined }}>{() => 'data'}</QueryView>);
    expect(screen.getByTestId('loading')).toBeTruthy();
  });

  it('shows the API’s own message on error', () => {
    const error = new ApiError(404, 'not_found', 'season 9 does not exist');
    render(<QueryView query={{ isPending: false, error, data: undefined }}>{() => 'data'}</QueryView>);
    expect(screen.getByRole('alert').textContent).toContain('season 9 does not exist');
  });

  it('says what to do when there is nothing', () => {
    render(
      <QueryView query={{ isPending: false, error: null, data: [] as number[] }} empty="No seasons yet" isEmpty={(d) => d.length === 0}>
        {() => 'data'}
      </QueryView>,
    );
    expect(screen.getByTestId('empty').textContent).toBe('No seasons yet');
  });

  it('renders the data otherwise', () => {
    render(<QueryView query={{ isPending: false, error: null, data: [1, 2] }}>{(d) => `rows: ${d.length}`}</QueryView>);
    expect(screen.getByText('rows: 2')).toBeTruthy();
  });
});
