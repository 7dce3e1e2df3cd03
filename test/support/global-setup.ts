import { createRequire } from "node:module";

/** Ensures `require("pulumi-anton")` resolves to this checkout, as it does for users. */
export default function setup(): void {
  createRequire(__filename)("./link-self.cjs");
}
