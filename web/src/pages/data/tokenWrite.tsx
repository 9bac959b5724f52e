// Writes from the data and system pages: ask for the token first; when the API refuses it
// (401/403) show its own message, forget the token (the next try asks again), change nothing.
import { useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query';

import { ApiError } from '../../api/client';
import { errorMessage } from '../../components/States';
import { useEnsureToken } from '../../components/TokenDialog';
import { setToken } from '../../lib/token';

/** The user closed the token dialog: nothing was sent. */
export class NoToken extends Error {
  constructor() {
    super('Nothing was done: this needs the API token.');
    this.name = 'NoToken';
  }
}

export function refusedToken(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 401 || error.status === 403);
}

/** The API's message about a failed write, and what happens next. */
export function writeFailure(error: unknown): string {
  if (error instanceof NoToken) return error.message;
  if (refusedToken(error)) {
    return `The API refused the token: ${errorMessage(error)}. Nothing was done; the token was forgotten, so the next try asks for it again.`;
  }
  return errorMessage(error);
}

/** A mutation that first makes sure a token is known, and refreshes `invalidate` after. */
export function useTokenWrite<TVars, TData>(write: (vars: TVars) => Promise<TData>, invalidate: QueryKey[]) {
  const ensureToken = useEnsureToken();
  const client = useQueryClient();
  return useMutation<TData, Error, TVars>({
    mutationFn: async (vars) => {
      if (!(await ensureToken())) throw new NoToken();
      return write(vars);
    },
    onError: (error) => {
      if (refusedToken(error)) setToken(null);
    },
    onSuccess: async () => {
      await Promise.all(invalidate.map((queryKey) => client.invalidateQueries({ queryKey })));
    },
  });
}

export function WriteFailure({ error, testId = 'write-error' }: { error: unknown; testId?: string }) {
  if (!error) return null;
  return (
    <div className="notice error" role="alert" data-testid={testId}>
      {writeFailure(error)}
    </div>
  );
}
