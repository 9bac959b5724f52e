import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, render, renderHook, screen, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { beforeEach, describe, expect, it } from 'vitest';

import { ApiError } from '../api/client';
import { getToken, setToken } from '../lib/token';
import { isTokenRefusal, useTokenWrite, WriteCancelled, WriteError, writeErrorMessage } from './useTokenWrite';

describe('writeErrorMessage', () => {
  it('says nothing was sent when the token dialog was cancelled', () => {
    expect(writeErrorMessage(new WriteCancelled())).toBe('Nothing was changed: this change needs the API token.');
  });

  it('shows the API message of a refused token and what happens next', () => {
    const refused = new ApiError(401, 'unauthorized', 'the bearer token is wrong');
    expect(isTokenRefusal(refused)).toBe(true);
    expect(writeErrorMessage(refused)).toMatch(/^Refused: the bearer token is wrong\. Nothing was changed; the token was forgotten/);
    expect(isTokenRefusal(new ApiError(403, 'forbidden', 'the server is read-only'))).toBe(true);
  });

  it('shows any other refusal as the API said it', () => {
    const conflict = new ApiError(409, 'conflict', 'cannot pause a finished season');
    expect(isTokenRefusal(conflict)).toBe(false);
    expect(writeErrorMessage(conflict)).toBe('cannot pause a finished season');
  });
});

describe('useTokenWrite', () => {
  let client: QueryClient;
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;

  beforeEach(() => {
    sessionStorage.clear();
    client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  });

  it('sends nothing without a token', async () => {
    const sent: number[] = [];
    const { result } = renderHook(() => useTokenWrite(async (n: number) => sent.push(n)), { wrapper });
    await act(async () => {
      await result.current.mutateAsync(1).catch(() => undefined);
    });
    await waitFor(() => expect(result.current.error).toBeInstanceOf(WriteCancelled));
    expect(sent).toEqual([]);
  });

  it('writes, refreshes the queries it changed, then calls onSuccess', async () => {
    setToken('s3cret');
    client.setQueryData(['seasons', 'list'], ['old']);
    client.setQueryData(['agents', 'list'], ['kept']);
    const done: Array<[string, number]> = [];
    const { result } = renderHook(
      () => useTokenWrite(async (n: number) => `saved ${n}`, { invalidate: [['seasons']], onSuccess: (data, n) => done.push([data, n]) }),
      { wrapper },
    );
    await act(async () => {
      await result.current.mutateAsync(7);
    });
    expect(done).toEqual([['saved 7', 7]]);
    expect(client.getQueryState(['seasons', 'list'])?.isInvalidated).toBe(true);
    expect(client.getQueryState(['agents', 'list'])?.isInvalidated).toBe(false);
  });

  it('forgets a refused token and shows the API message', async () => {
    setToken('wrong');
    const { result } = renderHook(
      () => useTokenWrite(async () => {
        throw new ApiError(401, 'unauthorized', 'the bearer token is wrong');
      }),
      { wrapper },
    );
    await act(async () => {
      await result.current.mutateAsync(undefined).catch(() => undefined);
    });
    await waitFor(() => expect(result.current.error).toBeInstanceOf(ApiError));
    expect(getToken()).toBeNull();
    render(<WriteError error={result.current.error} testId="scan-error" />);
    expect(screen.getByTestId('scan-error').textContent).toMatch(/^Refused: the bearer token is wrong\./);
  });

  it('keeps the token when the API refuses the change itself', async () => {
    setToken('s3cret');
    const { result } = renderHook(
      () => useTokenWrite(async () => {
        throw new ApiError(409, 'conflict', 'cannot pause a finished season');
      }),
      { wrapper },
    );
    await act(async () => {
      await result.current.mutateAsync(undefined).catch(() => undefined);
    });
    expect(getToken()).toBe('s3cret');
  });
});

describe('WriteError', () => {
  it('shows nothing without an error', () => {
    const { container } = render(<WriteError error={null} />);
    expect(container.textContent).toBe('');
  });
});
