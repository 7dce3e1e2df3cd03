import { defineConfig } from "vitest/config";

const jsonOut = process.env.VITEST_JSON_OUTPUT;

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "dist/**"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    globalSetup: ["test/support/global-setup.ts"],
    reporters: jsonOut ? ["default", "json"] : ["default"],
    outputFile: jsonOut ? { json: jsonOut } : undefined,
  },
});
