/**
 * Builds the web UI into dist/ui, which the API server serves. No plugin: esbuild compiles the
 * TSX with React's automatic runtime, and everything (scripts, styles) is bundled into the
 * package, since the server's CSP allows nothing from elsewhere.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'ui',
  base: '/',
  publicDir: false,
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: '../dist/ui',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    // the app is small and served from the same host: no inline module preload polyfill needed
    modulePreload: { polyfill: false },
  },
});
