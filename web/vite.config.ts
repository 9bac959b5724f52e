/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The build lands inside the Python package, which `arena serve` serves at `/`.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: '../src/alpha_arena/dashboard/static',
    emptyOutDir: true,
    manifest: true, // read by scripts/bundle-size.mjs
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `npm run dev` beside `arena serve` on its default port
    proxy: { '/api': { target: 'http://127.0.0.1:8000', ws: true } },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
  },
});
