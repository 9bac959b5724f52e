import { describe, expect, it } from 'vitest';

import { ApiError, toApiError, unwrap } from './client';

describe('the API client', () => {
  it('turns the unified error body into an ApiError with its message', () => {
    const response = new Response(null, { status: 409, statusText: 'Conflict' });
    const error = toApiError(response, { error: { code: 'conflict', message: 'season 3 is finished', details: null } });
    expect(error).toBeInstanceOf(ApiError);
    expect([error.status, error.code, error.message]).toEqual([409, 'conflict', 'season 3 is finished']);
  });

  it('falls back to the HTTP status for a body that is not the API’s', () => {
    const error = toApiError(new Response(null, { status: 502, statusText: 'Bad Gateway' }), 'oops');
    expect(error.message).toBe('502 Bad Gateway');
  });

  it('unwraps data and throws errors', () => {
    const ok = new Response(null, { status: 200 });
    expect(unwrap({ data: { id: 1 }, response: ok })).toEqual({ id: 1 });
    const refused = new Response(null, { status: 401 });
    expect(() => unwrap({ error: { error: { code: 'unauthorized', message: 'wrong token', details: null } }, response: refused })).toThrow('wrong token');
  });
});
