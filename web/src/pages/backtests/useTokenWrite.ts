// A write to the API: ask for the token first; when the API refuses it (401/403) forget it,
// so the next try asks again. The API's own message is the error shown.
import { useMutation, useQueryClient, type QueryKey } from '@tanstack/react-query';

import { ApiError } from '../../api/client';
import { errorMessage } from '../../components/States';
import { useEnsureToken } from '../../components/TokenDialog';
import { setToken } from '../../lib/token';

export class NoToken extends Error {
  constructor() {
    super('Nothing was run: running needs the API token.');
    this.name = 'NoToken';
  }
}

export function writeMessage(error: unknown): string {
  if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
    return `Refused (${error.status}): ${error.message}. The token was forgotten; the next run asks for it again.`;
  }
  return errorMessage(error);
}

export function useTokenWrite<TVars, TData>(
  write: (vars: TVars) => Promise<TData>,
  { invalidate = [], onSuccess }: { invalidate?: QueryKey[]; onSuccess?: (data: TData) => void } = {},
) {
  const ensureToken = useEnsureToken();
  const client = useQueryClient();
  return useMutation<TData, Error, TVars>({
    mutationFn: async (vars) => {
      if (!(await ensureToken())) throw new NoToken();
      return write(vars);
    },
    onError: (error) => {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) setToken(null);
    },
    onSuccess: async (data) => {
      await Promise.all(invalidate.map((queryKey) => client.invalidateQueries({ queryKey })));
      onSuccess?.(data);
    },
  });
}
