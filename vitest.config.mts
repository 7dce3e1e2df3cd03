import { defineConfig } from "vitest/config";

const jsonOut = process.env.VITEST_JSON_OUTPUT;

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // test/e2e needs the Pulumi CLI and runs on its own: npm run test:e2e.
    exclude: ["**/node_modules/**", "dist/**", "test/e2e/**"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    globalSetup: ["test/support/global-setup.ts"],
    reporters: jsonOut ? ["default", "json"] : ["default"],
    outputFile: jsonOut ? { json: jsonOut } : undefined,
  },
});
