import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

// The UI is embedded by Tauri (frontendDist = ../ui/dist); it must never load anything
// from the network, so there are no remote assets and no CDN imports anywhere.
export default defineConfig(({ mode }) => {
  const test = mode === "test";
  return {
    // Relative asset URLs work from Tauri's custom protocol as well as from a folder.
    base: "./",
    plugins: [
      preact({
        // Mocked UI tests run with HMR off; the Fast Refresh runtime is only useful while developing.
        prefreshEnabled: !test,
        devToolsEnabled: !test,
        // No React code here: do not alias react/react-dom to preact/compat.
        reactAliasesEnabled: false,
      }),
    ],
    clearScreen: false,
    // `tauri dev` loads build.devUrl = http://localhost:5173 (src-tauri/tauri.conf.json).
    server: {
      host: "localhost",
      port: 5173,
      strictPort: true,
    },
    build: {
      outDir: "dist",
      emptyOutDir: true,
      target: "es2021",
      sourcemap: false,
      // Inline nothing from outside; a single small bundle is fine for a desktop webview.
      assetsInlineLimit: 0,
    },
    optimizeDeps: {
      entries: test ? ["test/harness.html"] : ["index.html"],
      include: [
        "preact",
        "preact/hooks",
        "preact/jsx-runtime",
        "@tauri-apps/api/core",
        "@tauri-apps/api/event",
        ...(test ? ["@tauri-apps/api/mocks"] : []),
      ],
    },
  };
});
