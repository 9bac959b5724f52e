// The one HTTP client: typed against the paths generated from the committed openapi.json.
import createClient, { type Middleware } from 'openapi-fetch';

import { getToken } from '../lib/token';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];

/** An answer of the API that is not a success, with the message of its error body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const withToken: Middleware = {
  onRequest({ request }) {
    const token = getToken();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: '/' });
api.use(withToken);

/** Turn an openapi-fetch result into its data, or throw the API's error as an ApiError. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || result.data === undefined) {
    throw toApiError(result.response, result.error);
  }
  return result.data;
}

export function toApiError(response: Response, body: unknown): ApiError {
  const detail = (body as Schemas['ErrorBody'] | undefined)?.error;
  if (detail && typeof detail.message === 'string') {
    return new ApiError(response.status, detail.code, detail.message, detail.details);
  }
  return new ApiError(response.status, 'http_error', `${response.status} ${response.statusText}`);
}
