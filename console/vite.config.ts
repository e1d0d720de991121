import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The build must run under the console's strict Content-Security-Policy
// (script-src 'self', style-src 'self'): no inline scripts or styles.
export default defineConfig({
  plugins: [react()],
  build: {
    target: "es2022",
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  test: {
    environment: "jsdom",
    globals: true,
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test-setup.ts"],
  },
});
