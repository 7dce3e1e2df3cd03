/**
 * Leak scanner: looks for canary values (and their common encodings) in captured
 * text. Tests prove it works by planting a canary in a control case.
 */
import { format, inspect } from "node:util";

export interface Canary {
  /** What the value is, for the report (never the value itself). */
  name: string;
  value: string;
}

export interface Hit {
  where: string;
  canary: string;
  encoding: string;
}

/** Shorter values would match by accident; everything we plant or capture is much longer. */
const MIN_LENGTH = 12;

function variants(value: string): Array<[string, string]> {
  const out: Array<[string, string]> = [["raw", value]];
  const add = (encoding: string, v: string) => {
    if (v !== value && v.length >= MIN_LENGTH) out.push([encoding, v]);
  };
  add("json", JSON.stringify(value).slice(1, -1));
  add("url", encodeURIComponent(value));
  add("base64", Buffer.from(value).toString("base64").replace(/=+$/, ""));
  add("base64url", Buffer.from(value).toString("base64url"));
  return out;
}

/** Collects canaries; multi-line values (PEM) are scanned line by line so a partial echo is still caught. */
export class CanarySet {
  readonly #items: Canary[] = [];

  add(name: string, value: string | undefined): void {
    if (!value) return;
    const lines = value.includes("\n") ? value.split("\n").filter((l) => l.length >= 24 && !l.startsWith("-----")) : [value];
    for (const line of lines) if (line.length >= MIN_LENGTH && !this.#items.some((c) => c.value === line)) this.#items.push({ name, value: line });
  }

  get size(): number {
    return this.#items.length;
  }

  names(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.#items) out[c.name] = (out[c.name] ?? 0) + 1;
    return out;
  }

  /** Every (place, canary, encoding) found; empty means clean. */
  scan(haystacks: Array<{ where: string; text: string }>): Hit[] {
    const hits: Hit[] = [];
    for (const { where, text } of haystacks) {
      for (const c of this.#items) {
        for (const [encoding, v] of variants(c.value)) {
          if (text.includes(v)) {
            hits.push({ where, canary: c.name, encoding });
            break;
          }
        }
      }
    }
    return hits;
  }
}

/** Everything an error carries that could reach a log: message, stack, cause chain, own fields, JSON and inspect. */
export function errorText(err: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  let cur: unknown = err;
  while (cur !== undefined && cur !== null && !seen.has(cur)) {
    seen.add(cur);
    if (cur instanceof Error) {
      parts.push(cur.message, cur.stack ?? "");
    }
    try {
      parts.push(JSON.stringify(cur) ?? "");
    } catch {
      parts.push("[unserializable]");
    }
    parts.push(inspect(cur, { depth: 6, showHidden: true }));
    cur = (cur as { cause?: unknown }).cause;
  }
  return parts.join("\n");
}

/**
 * Every way a user commonly looks at an object the package hands out: console.log (util.format), util.inspect
 * (hidden properties, getters, full depth), JSON.stringify, a spread copy, Object.entries / Object.values, and
 * String() / template literals of each own property.
 */
export function objectViews(where: string, value: unknown): Array<{ where: string; text: string }> {
  const views: Array<{ where: string; text: string }> = [];
  const add = (view: string, render: () => unknown) => {
    let text: string;
    try {
      const out = render();
      text = typeof out === "string" ? out : String(out);
    } catch (err) {
      text = `[threw ${(err as Error)?.name}]`;
    }
    views.push({ where: `${where} (${view})`, text });
  };
  const deep = { depth: Infinity, showHidden: true, getters: true } as const;
  add("console.log", () => format("%s %o %O %j", value, value, value, value));
  add("util.inspect", () => inspect(value, deep));
  add("JSON.stringify", () => JSON.stringify(value));
  if (value !== null && typeof value === "object") {
    const spread = { ...(value as object) };
    add("spread, inspected", () => inspect(spread, deep));
    add("spread, JSON", () => JSON.stringify(spread));
    add("Object.entries, inspected", () => inspect(Object.entries(value), deep));
    add("Object.entries, JSON", () => JSON.stringify(Object.entries(value)));
    add("Object.values, String", () => Object.values(value).map((v) => String(v)).join("\n"));
    const keys = Reflect.ownKeys(value);
    add("own properties, template literal", () => keys.map((k) => `${(value as Record<PropertyKey, unknown>)[k] as string}`).join("\n"));
  } else {
    add("String", () => String(value));
  }
  return views;
}
