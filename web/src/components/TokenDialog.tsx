// Writes need the API token: asked for once in a dialog, kept for the browser session only.
import { createContext, useCallback, useContext, useRef, useState, type ReactNode } from 'react';

import { getToken, setToken } from '../lib/token';

type Ask = () => Promise<boolean>;
const TokenContext = createContext<Ask>(() => Promise.resolve(getToken() !== null));

/** A function that resolves true once a token is known (asking the user if needed). */
export function useEnsureToken(): Ask {
  return useContext(TokenContext);
}

export function TokenProvider({ children }: { children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState('');
  const resolver = useRef<((ok: boolean) => void) | null>(null);

  const ask = useCallback<Ask>(() => {
    if (getToken()) return Promise.resolve(true);
    setOpen(true);
    return new Promise<boolean>((resolve) => {
      resolver.current = resolve;
    });
  }, []);

  const close = (ok: boolean) => {
    if (ok && value.trim()) setToken(value.trim());
    setOpen(false);
    setValue('');
    resolver.current?.(ok && value.trim() !== '');
    resolver.current = null;
  };

  return (
    <TokenContext.Provider value={ask}>
      {children}
      {open && (
        <div className="modal-backdrop">
          <form
            className="modal"
            role="dialog"
            aria-modal="true"
            aria-labelledby="token-title"
            data-testid="token-dialog"
            onSubmit={(event) => {
              event.preventDefault();
              close(true);
            }}
          >
            <h2 id="token-title">API token</h2>
            <p>
              Changes need the server's token (<code>ARENA_API_TOKEN</code>). It is kept for this browser
              session only.
            </p>
            <input
              type="password"
              autoFocus
              aria-label="Token"
              value={value}
              onChange={(event) => setValue(event.target.value)}
            />
            <div className="actions">
              <button type="button" onClick={() => close(false)}>
                Cancel
              </button>
              <button type="submit" className="primary">
                Use token
              </button>
            </div>
          </form>
        </div>
      )}
    </TokenContext.Provider>
  );
}
