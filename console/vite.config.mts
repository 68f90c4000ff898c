import { defineConfig } from 'vite';

/** The operator console: Preact (JSX through Vite's own transform), uPlot; built into console/dist. */
export default defineConfig({
  root: import.meta.dirname,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
