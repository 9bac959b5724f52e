// Every write to the API goes through here: ask for the token first (the token dialog), and
// when the API refuses it (401/403) show its own message and forget the token, so the next try
// asks again and nothing on the page changes. On success, refresh what the write changed.
import { useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query';

import { ApiError } from '../api/client';
import { setToken } from '../lib/token';
import { errorMessage } from './States';
import { useEnsureToken } from './TokenDialog';

/** The user closed the token dialog: nothing was sent. */
export class WriteCancelled extends Error {
  constructor() {
    super('Nothing was changed: this change needs the API token.');
    this.name = 'WriteCancelled';
  }
}

export function isTokenRefusal(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 401 || error.status === 403);
}

/** What to tell the user about a failed write: the API's own message, plus what happens next. */
export function writeErrorMessage(error: unknown): string {
  if (error instanceof WriteCancelled) return error.message;
  if (isTokenRefusal(error)) {
    return `Refused: ${errorMessage(error)}. Nothing was changed; the token was forgotten, so the next try asks for it again.`;
  }
  return errorMessage(error);
}

export interface TokenWriteOptions<TVars, TData> {
  /** Query keys (prefixes) whose data the write changed. */
  invalidate?: QueryKey[];
  onSuccess?: (data: TData, vars: TVars) => void;
}

/** A mutation that first makes sure a token is known; see the module's comment. */
export function useTokenWrite<TVars, TData>(
  write: (vars: TVars) => Promise<TData>,
  { invalidate = [], onSuccess }: TokenWriteOptions<TVars, TData> = {},
) {
  const ensureToken = useEnsureToken();
  const client = useQueryClient();
  return useMutation<TData, Error, TVars>({
    mutationFn: async (vars) => {
      if (!(await ensureToken())) throw new WriteCancelled();
      return write(vars);
    },
    onError: (error) => {
      if (isTokenRefusal(error)) setToken(null);
    },
    onSuccess: async (data, vars) => {
      await Promise.all(invalidate.map((queryKey) => client.invalidateQueries({ queryKey })));
      onSuccess?.(data, vars);
    },
  });
}

/** A failed write's message (role=alert), or nothing. */
export function WriteError({ error, testId = 'write-error' }: { error: unknown; testId?: string }) {
  if (!error) return null;
  return (
    <div className="notice error" role="alert" data-testid={testId}>
      {writeErrorMessage(error)}
    </div>
  );
}
