import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const jsonOut = process.env.VITEST_JSON_OUTPUT;

// The real-engine suite: `npm run test:e2e`. One file at a time: each runs the engine and the
// dynamic-provider plugin, two processes that would otherwise fight over the machine's cores.
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["test/e2e/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 900_000,
    pool: "forks",
    fileParallelism: false,
    globalSetup: ["test/e2e/global-setup.ts"],
    reporters: jsonOut ? ["default", "json"] : ["default"],
    outputFile: jsonOut ? { json: jsonOut } : undefined,
  },
});
