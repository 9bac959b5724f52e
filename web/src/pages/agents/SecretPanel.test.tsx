import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, fireEvent, render, renderHook, screen, waitFor } from '@testing-library/react';
import { useState, type ReactNode } from 'react';
import { beforeEach, describe, expect, it } from 'vitest';

import type { Schemas } from '../../api/client';
import { useTokenWrite } from '../../components/useTokenWrite';
import { setToken } from '../../lib/token';
import { withoutSecret, type RevealedSecret } from './remoteSecret';
import { SecretPanel, SHOWN_ONCE } from './SecretPanel';

const SECRET = 'arsk_Hq3v0bC1m8p2Jx6sY4tK9wZr7eN5aD0uL2gF8hVq1oE';
const created: Schemas['AgentCreated'] = {
  id: 7, name: 'my-bot', kind: 'remote', enabled: true, ts_created: 0, ts_updated: 0, secret: SECRET,
  config: { kind: 'remote', url: 'https://bot.example.com/decide', timeframe: '1h', deadline_s: 30, max_leverage: 10 },
};

/** The page's way of holding the secret: in state until dismissed. */
function Holder({ first }: { first: RevealedSecret }) {
  const [secret, setSecret] = useState<RevealedSecret | null>(first);
  return secret ? <SecretPanel revealed={secret} onDismiss={() => setSecret(null)} /> : <p>agents</p>;
}

describe('SecretPanel', () => {
  it('shows the secret once with the sentence and a copy button, and drops it when dismissed', () => {
    render(<Holder first={{ name: 'my-bot', secret: SECRET, rotated: false }} />);
    expect(screen.getByRole('dialog', { name: 'Signing secret of my-bot' })).toBeTruthy();
    expect(screen.getByTestId('agent-secret').textContent).toBe(SECRET);
    expect(screen.getByText(SHOWN_ONCE)).toBeTruthy();
    expect(SHOWN_ONCE).toBe('Shown once: store it where your bot can read it (e.g. ARENA_BOT_SECRET); it cannot be shown again.');
    expect(screen.getByRole('button', { name: 'Copy' })).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'I have stored it' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.body.textContent).not.toContain(SECRET);
  });

  it('says a rotated secret replaced the old one', () => {
    render(<Holder first={{ name: 'my-bot', secret: SECRET, rotated: true }} />);
    expect(screen.getByRole('dialog', { name: 'New signing secret of my-bot' })).toBeTruthy();
    expect(screen.getByText('The old secret no longer works.')).toBeTruthy();
  });

  it('copies the secret to the clipboard', async () => {
    const copied: string[] = [];
    Object.defineProperty(navigator, 'clipboard', {
      configurable: true,
      value: { writeText: (text: string) => (copied.push(text), Promise.resolve()) },
    });
    render(<Holder first={{ name: 'my-bot', secret: SECRET, rotated: false }} />);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Copy' }));
    });
    expect(copied).toEqual([SECRET]);
    expect(screen.getByRole('button', { name: 'Copied' })).toBeTruthy();
  });
});

describe('withoutSecret', () => {
  let client: QueryClient;
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;

  beforeEach(() => {
    sessionStorage.clear();
    localStorage.clear();
    client = new QueryClient({ defaultOptions: { mutations: { retry: false } } });
  });

  it('hands the secret over and keeps it out of the mutation cache and the storages', async () => {
    setToken('t0ken');
    const revealed: RevealedSecret[] = [];
    const { result } = renderHook(
      () => useTokenWrite(async () => withoutSecret(created, (s) => revealed.push(s)), { invalidate: [['agents']] }),
      { wrapper },
    );
    let saved: Schemas['AgentOut'] | undefined;
    await act(async () => {
      saved = await result.current.mutateAsync(undefined);
    });
    await waitFor(() => expect(result.current.isSuccess).toBe(true));
    expect(revealed).toEqual([{ name: 'my-bot', secret: SECRET, rotated: false }]);
    expect(saved).not.toHaveProperty('secret');
    expect(saved?.name).toBe('my-bot');
    const cached = JSON.stringify([
      client.getMutationCache().getAll().map((m) => m.state),
      client.getQueryCache().getAll().map((q) => q.state),
      { ...sessionStorage }, { ...localStorage },
    ]);
    expect(cached).toContain('my-bot');
    expect(cached).not.toContain(SECRET);
  });

  it('reveals nothing for an agent of another kind', () => {
    const revealed: RevealedSecret[] = [];
    expect(withoutSecret({ ...created, kind: 'strategy', secret: null }, (s) => revealed.push(s)).name).toBe('my-bot');
    expect(revealed).toEqual([]);
  });
});
