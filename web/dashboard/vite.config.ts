// The dashboard's build: a static bundle in dist/dashboard/, served by the
// control plane under /dashboard/ (so every asset URL starts with it). No CDN:
// Cytoscape.js and uPlot are bundled; the chunk split keeps the graph library
// out of the pages that do not draw a graph.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/dashboard/',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    // `npm run dev:dashboard` proxies the API to a running control plane (weft control's debug address by
    // default; WEFT_DASHBOARD_API names another, e.g. weft up's or the fixture server's).
    proxy: Object.fromEntries(['/api'].map((p) => [p, process.env.WEFT_DASHBOARD_API ?? 'http://127.0.0.1:15014'])),
  },
});
