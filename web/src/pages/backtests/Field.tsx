// One labelled input with its error message tied to it (aria-describedby).
import { cloneElement, useId, type ReactElement } from 'react';

export function Field({
  label,
  error,
  hint,
  children,
}: {
  label: string;
  error?: string;
  hint?: string;
  children: ReactElement<{ id?: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string }>;
}) {
  const id = useId();
  const messageId = `${id}-message`;
  return (
    <div className="bt-field">
      <label htmlFor={id} title={hint}>
        {label}
      </label>
      {cloneElement(children, {
        id,
        'aria-invalid': error ? true : undefined,
        'aria-describedby': error ? messageId : undefined,
      })}
      {error && (
        <span id={messageId} className="bt-field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
