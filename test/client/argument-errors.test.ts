/** Argument errors: one TypeError subclass with a typed code, naming the argument and never echoing its value. */
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  AntonApiError,
  AntonArgumentError,
  createSignatureHeaders,
  Secret,
  signWebhookPayload,
  verifyWebhookSignature,
  WebhookConfigurationError,
  type AntonApiErrorCode,
  type AntonConfigErrorCode,
  type ArgumentErrorCode,
} from "../../provider";
import { mockClient } from "./support";

const SECRET = `whsec_${"c".repeat(64)}`;

function thrown(fn: () => unknown): AntonArgumentError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AntonArgumentError);
    expect(err).toBeInstanceOf(TypeError);
    return err as AntonArgumentError;
  }
  throw new Error("expected a throw");
}

describe("AntonArgumentError", () => {
  it("is what every function throws for an unusable argument, with the argument named", async () => {
    const cases: Array<[AntonArgumentError, string, ArgumentErrorCode]> = [
      [thrown(() => signWebhookPayload("", 1, "{}")), "secret", "invalid_argument"],
      [thrown(() => signWebhookPayload(SECRET, 1.5, "{}")), "timestamp", "invalid_argument"],
      [thrown(() => createSignatureHeaders({ secrets: [], body: "{}" })), "secrets", "invalid_argument"],
      [thrown(() => new Secret(42 as unknown as string)), "value", "invalid_argument"],
      [thrown(() => verifyWebhookSignature({ rawBody: "{}", headers: {}, secrets: [] })), "options", "invalid_configuration"],
    ];
    const { client } = mockClient();
    try {
      await client.listWebhooks({ limit: 0 });
    } catch (err) {
      expect(err).toBeInstanceOf(AntonArgumentError);
      cases.push([err as AntonArgumentError, "limit", "invalid_argument"]);
    } finally {
      await client.close();
    }
    expect(cases).toHaveLength(6);
    for (const [err, argument, code] of cases) {
      expect({ argument: err.argument, code: err.code, name: err.name }).toEqual({ argument, code, name: code === "invalid_configuration" ? "WebhookConfigurationError" : "AntonArgumentError" });
      expect(err.message).not.toContain(SECRET);
    }
    expect(cases[4]![0]).toBeInstanceOf(WebhookConfigurationError);
  });

  it("types every code as a string-literal union", () => {
    expectTypeOf<AntonArgumentError["code"]>().toEqualTypeOf<ArgumentErrorCode>();
    expectTypeOf<WebhookConfigurationError["code"]>().toEqualTypeOf<"invalid_configuration">();
    expectTypeOf<"invalid_config" | "missing_config">().toEqualTypeOf<AntonConfigErrorCode>();
    expectTypeOf<AntonApiError["code"]>().toEqualTypeOf<AntonApiErrorCode>();
    expectTypeOf<"client_closed">().toMatchTypeOf<AntonApiErrorCode>();
    expectTypeOf<"http_503">().toMatchTypeOf<AntonApiErrorCode>();
  });
});
