import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { App } from './App';
import { TokenProvider } from './components/TokenDialog';
import './styles.css';

const queryClient = new QueryClient({
  defaultOptions: {
    // Live pages are driven by the WebSocket; nothing polls or refetches on focus by itself.
    queries: { staleTime: 30_000, refetchOnWindowFocus: false, retry: 1 },
  },
});

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <TokenProvider>
          <App />
        </TokenProvider>
      </QueryClientProvider>
    </StrictMode>,
  );
}
