/**
 * Provides the pinned Pulumi CLI (test/support/pulumi-cli.sh: PATH, cache, or a Go-proxy build) and
 * links `pulumi-anton` to this checkout. Without a CLI the suite fails here: it never skips.
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import * as path from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    pulumiCliBin: string;
  }
}

export default function setup(project: TestProject): void {
  const root = path.resolve(__dirname, "..", "..");
  createRequire(__filename)("../support/link-self.cjs");
  const r = spawnSync("bash", [path.join(root, "test", "support", "pulumi-cli.sh")], { cwd: root, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  const bin = r.stdout.trim().split("\n").pop() ?? "";
  if (r.status !== 0 || !bin) throw new Error(`the e2e suite needs the Pulumi CLI, and test/support/pulumi-cli.sh could not provide it (exit ${r.status}; its reason is printed above)`);
  project.provide("pulumiCliBin", bin);
}
