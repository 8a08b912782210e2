import { defineConfig } from "vitest/config";

// One config for the viewer build (root viz/, output dist/viz) and for vitest (tests under test/).
export default defineConfig({
  root: "viz",
  base: "./",
  build: {
    outDir: "../dist/viz",
    emptyOutDir: true,
    target: "es2022",
  },
  worker: { format: "es" },
  test: {
    root: ".",
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: "forks",
  },
});
