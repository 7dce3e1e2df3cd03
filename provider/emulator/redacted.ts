/**
 * The emulator's demo credentials are throwaway values, but they are credentials: printing an emulator,
 * its credentials or its config maps must not show them (console.log, util.inspect, JSON), as for every
 * object this package hands a user.
 */
import { inspect } from "node:util";

const REDACTED = "[redacted]";

/**
 * Gives a map meant for processes or stack config (`env`, `config`) a printed form without the values of
 * `secretKeys`. Its own keys stay plain strings, so spreading it into an environment still works; the
 * printed form is a non-enumerable method that spreads do not copy.
 */
export function withRedactedPrint<T extends Record<string, string>>(map: T, secretKeys: readonly string[]): T {
  const shown = (): Record<string, string> => Object.fromEntries(Object.entries(map).map(([k, v]) => [k, secretKeys.includes(k) ? REDACTED : v]));
  Object.defineProperty(map, inspect.custom, { value: () => shown(), enumerable: false });
  Object.defineProperty(map, "toJSON", { value: shown, enumerable: false });
  return map;
}
