// `npm run build:web` bundles the page into web/dist/, which the HTTP listener serves at /.
// `npm run dev:web` serves it with reloads and forwards the RPCs to a service on :8080.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const rpc = { target: 'http://127.0.0.1:8080', changeOrigin: false };

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
  server: { proxy: { '^/(marquee|grpc)\\.': rpc, '/report': rpc, '/admin': rpc, '/metrics': rpc } },
  clearScreen: false,
});
