import { describe, expect, it } from 'vitest';

import { ApiError } from '../../api/client';
import { isTokenRefusal, WriteCancelled, writeErrorMessage } from './guardedWrite';

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
