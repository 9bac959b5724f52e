// Every view's three other states: loading (skeleton rows), empty (what to do next), error
// (the API's own message).
import type { ReactNode } from 'react';

import { ApiError } from '../api/client';

export function Skeleton({ rows = 4, label = 'Loading' }: { rows?: number; label?: string }) {
  return (
    <div className="skeleton" role="status" aria-label={label} data-testid="loading">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="skeleton-row" />
      ))}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <div className="empty" data-testid="empty">
      {children}
    </div>
  );
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

export function ErrorState({ error, title = 'Could not load this' }: { error: unknown; title?: string }) {
  return (
    <div className="error-state" role="alert" data-testid="error">
      <strong>{title}:</strong> {errorMessage(error)}
    </div>
  );
}

/** Render a query's loading, error, empty or data state. */
export function QueryView<T>({
  query,
  empty,
  isEmpty,
  rows,
  children,
}: {
  query: { isPending: boolean; error: unknown; data: T | undefined };
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  rows?: number;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Skeleton rows={rows} />;
  if (query.error || query.data === undefined) return <ErrorState error={query.error} />;
  if (empty !== undefined && isEmpty?.(query.data)) return <Empty>{empty}</Empty>;
  return <>{children(query.data)}</>;
}
