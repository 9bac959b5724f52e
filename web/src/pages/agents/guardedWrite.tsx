// Writes from the management pages: ask for the token first, and when the API refuses it
// (401/403) say so, forget it (the next try asks again) and change nothing on the page.
// Shared by the seasons, agents and prompts pages.
import { useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query';

import { ApiError } from '../../api/client';
import { errorMessage } from '../../components/States';
import { useEnsureToken } from '../../components/TokenDialog';
import { setToken } from '../../lib/token';

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
    return `Refused: ${errorMessage(error)}. Nothing was changed; the token was forgotten, so the next change asks for it again.`;
  }
  return errorMessage(error);
}

interface Options<TVars, TData> {
  /** Query keys (prefixes) whose data the write changed. */
  invalidate: QueryKey[];
  onSuccess?: (data: TData, vars: TVars) => void;
}

export function useGuardedWrite<TVars, TData>(write: (vars: TVars) => Promise<TData>, options: Options<TVars, TData>) {
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
      await Promise.all(options.invalidate.map((queryKey) => client.invalidateQueries({ queryKey })));
      options.onSuccess?.(data, vars);
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
