// A remote agent's signing secret, shown once (after registering it or rotating its secret)
// with a copy button; dismissing the panel drops the secret from the page for good.
import { useState } from 'react';

import type { RevealedSecret } from './remoteSecret';

export const SHOWN_ONCE =
  'Shown once: store it where your bot can read it (e.g. ARENA_BOT_SECRET); it cannot be shown again.';

interface Props {
  revealed: RevealedSecret;
  onDismiss: () => void;
}

export function SecretPanel({ revealed, onDismiss }: Props) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const copy = () => {
    // The clipboard is missing outside a secure context, or may be refused: then say so.
    const clipboard = typeof navigator !== 'undefined' ? navigator.clipboard : undefined;
    if (!clipboard) {
      setCopied('failed');
      return;
    }
    clipboard.writeText(revealed.secret).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    );
  };

  return (
    <div className="modal-backdrop">
      <div className="modal secret-modal" role="dialog" aria-modal="true" aria-labelledby="secret-title" data-testid="secret-panel">
        <h2 id="secret-title">
          {revealed.rotated ? 'New signing secret' : 'Signing secret'} of {revealed.name}
        </h2>
        {revealed.rotated && <p className="small muted">The old secret no longer works.</p>}
        <code className="secret-value" data-testid="agent-secret">
          {revealed.secret}
        </code>
        <p data-testid="secret-once">{SHOWN_ONCE}</p>
        {copied === 'failed' && (
          <p className="small field-error" role="status">
            The browser refused the clipboard: select the secret and copy it by hand.
          </p>
        )}
        <div className="actions">
          <button type="button" autoFocus onClick={copy} data-testid="secret-copy">
            {copied === 'yes' ? 'Copied' : 'Copy'}
          </button>
          <button type="button" className="primary" onClick={onDismiss} data-testid="secret-done">
            I have stored it
          </button>
        </div>
      </div>
    </div>
  );
}
