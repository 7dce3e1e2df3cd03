/**
 * Leak scanner: looks for canary values (and their common encodings) in captured
 * text. Tests prove it works by planting a canary in a control case.
 */
import { inspect } from "node:util";

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
