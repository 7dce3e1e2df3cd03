/** The leak scanner the example tests rely on must actually find a plain-text secret. */
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { plaintextLeaks, SECRET_SIG } from "./support";
import type { RecordedResource, RunResult } from "../support/mocks";

const SECRET = "whsec_" + "ab".repeat(32);

function resource(partial: Partial<RecordedResource>): RecordedResource {
  return { type: "test:index:Thing", name: "thing", id: "thing-id", inputs: {}, state: {}, secretOutputs: [], wireInputs: {}, op: "create", ...partial };
}

describe("plaintextLeaks", () => {
  it("flags plain exports, plain resource state and plain referenced-stack outputs, and nothing secret", async () => {
    const run: RunResult<Record<string, unknown>> = {
      exports: { plain: pulumi.output(`x${SECRET}`), hidden: pulumi.secret(SECRET), nested: { deep: SECRET } },
      providers: new Map(),
      resources: new Map([
        ["a", resource({ name: "a", state: { value: SECRET, other: "fine" } })],
        ["b", resource({ name: "b", state: { value: SECRET }, secretOutputs: ["value"] })],
        ["c", resource({ name: "c", state: { value: { [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", value: SECRET } }, wireInputs: { value: { [SECRET_SIG]: "x" } } })],
        ["r", resource({ type: "pulumi:pulumi:StackReference", name: "r", state: { outputs: { secret: SECRET, leaked: SECRET }, secretOutputNames: ["secret"] } })],
      ]),
    };
    expect(await plaintextLeaks(run, [SECRET])).toEqual([
      "export plain",
      "export nested",
      "test:index:Thing a.value",
      "pulumi:pulumi:StackReference r.outputs.leaked",
    ]);
  });
});
