import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Fixed file names: the extension host builds the webview's HTML itself and points at
// dist/webview/chart.js and chart.css through asWebviewUri, so no hashed names and no index.html.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/webview', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    minify: true,
    sourcemap: false,
    lib: {
      entry: fileURLToPath(new URL('src/main.ts', import.meta.url)),
      // A classic script: webviews and the file-less test page load it without module CORS rules.
      formats: ['iife'],
      name: 'TcpLensChart',
      fileName: () => 'chart.js',
      cssFileName: 'chart',
    },
  },
});
