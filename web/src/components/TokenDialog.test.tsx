import { act, fireEvent, render, screen } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';

import { getToken } from '../lib/token';
import { TokenProvider, useEnsureToken } from './TokenDialog';

let outcome: boolean | undefined;

function WriteButton() {
  const ensureToken = useEnsureToken();
  return (
    <button type="button" onClick={() => void ensureToken().then((ok) => (outcome = ok))}>
      write
    </button>
  );
}

describe('the token dialog', () => {
  beforeEach(() => {
    sessionStorage.clear();
    localStorage.clear();
    outcome = undefined;
  });

  it('asks once and keeps the token for the browser session only', async () => {
    render(<TokenProvider><WriteButton /></TokenProvider>);
    fireEvent.click(screen.getByText('write'));
    fireEvent.change(screen.getByLabelText('Token'), { target: { value: ' s3cret ' } });
    await act(async () => fireEvent.click(screen.getByText('Use token')));
    expect(outcome).toBe(true);
    expect(getToken()).toBe('s3cret');
    expect(sessionStorage.getItem('arena.token')).toBe('s3cret');
    expect(JSON.stringify({ ...localStorage })).not.toContain('s3cret');

    fireEvent.click(screen.getByText('write')); // known now: no second question
    expect(screen.queryByTestId('token-dialog')).toBeNull();
  });

  it('resolves false when the user cancels', async () => {
    render(<TokenProvider><WriteButton /></TokenProvider>);
    fireEvent.click(screen.getByText('write'));
    await act(async () => fireEvent.click(screen.getByText('Cancel')));
    expect(outcome).toBe(false);
    expect(getToken()).toBeNull();
  });
});
