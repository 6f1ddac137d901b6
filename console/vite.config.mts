import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/**
 * The web console (issue 14): a Preact single-page app served by the API under /console from the
 * same build (`npm run build` writes it to dist/console). Everything is bundled: no CDN, no web font.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    // Assets inline as files, never as data: URLs from elsewhere; the CSP allows 'self' only.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 300,
  },
  server: {
    // `npx vite -c console/vite.config.mts` during development: the API on :3000 answers /v1.
    proxy: { '/v1': 'http://127.0.0.1:3000', '/health': 'http://127.0.0.1:3000' },
  },
});
