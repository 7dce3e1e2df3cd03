/**
 * An opaque holder for a credential (client secret, DPoP private key), so that option objects the package
 * hands out can be printed, inspected, serialized, spread and iterated without showing it.
 */
import { inspect } from "node:util";
import { AntonArgumentError } from "../argument-error";

const SHOWN = "[redacted]";
/** Values by holder, in this module only: no property, getter or method on the holder yields the value. */
const values = new WeakMap<Secret, string>();

/**
 * A credential that renders as `[redacted]` in every view: `console.log`, `util.inspect`, `JSON.stringify`,
 * `String()` and template literals. Spreading an options object copies the holder, not the value, so the copy
 * stays usable by {@link AntonClient}. {@link resolveClientOptions} returns `clientSecret` and `dpopPrivateKey`
 * wrapped in one; you may also wrap your own values: `clientSecret: new Secret(process.env.MY_SECRET!)`.
 */
export class Secret {
  constructor(value: string) {
    if (typeof value !== "string") throw new AntonArgumentError("value", "Secret: value must be a string");
    values.set(this, value);
    Object.freeze(this);
  }

  toJSON(): string {
    return SHOWN;
  }

  toString(): string {
    return SHOWN;
  }

  [Symbol.toPrimitive](): string {
    return SHOWN;
  }

  [inspect.custom](): string {
    return SHOWN;
  }
}

/** The wrapped value, or `value` itself when it is not a {@link Secret} (internal; not exported by the package). */
export function reveal<T>(value: T | Secret): T | string {
  return value instanceof Secret ? values.get(value)! : value;
}
