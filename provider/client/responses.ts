/**
 * Response shapes: Anton's webhook object as this package exposes it, read from
 * either documented shape (bare, or the older `{data:{...}}` wrapper).
 */

/** A webhook subscription (never includes its secret). */
export interface Webhook {
  id: string;
  url: string;
  events: string[];
  createdAt?: string;
  updatedAt?: string;
  status?: string;
  metadata?: Record<string, string>;
}

/** Accepts both the bare object and the older `{data:{...}}` wrapper. */
export function unwrap(json: unknown): Record<string, unknown> | undefined {
  if (!json || typeof json !== "object" || Array.isArray(json)) return undefined;
  const o = json as Record<string, unknown>;
  if (o.data && typeof o.data === "object" && !Array.isArray(o.data) && o.id === undefined && o.secret === undefined) {
    return o.data as Record<string, unknown>;
  }
  return o;
}

export function toWebhook(v: unknown): Webhook | undefined {
  if (!v || typeof v !== "object" || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.id !== "string" || typeof o.url !== "string") return undefined;
  if (!Array.isArray(o.events) || !o.events.every((e) => typeof e === "string")) return undefined;
  const hook: Webhook = { id: o.id, url: o.url, events: [...(o.events as string[])] };
  const createdAt = o.created_at ?? o.createdAt;
  const updatedAt = o.updated_at ?? o.updatedAt;
  if (typeof createdAt === "string") hook.createdAt = createdAt;
  if (typeof updatedAt === "string") hook.updatedAt = updatedAt;
  if (typeof o.status === "string") hook.status = o.status;
  if (o.metadata && typeof o.metadata === "object" && !Array.isArray(o.metadata)) {
    const md: Record<string, string> = {};
    for (const [k, val] of Object.entries(o.metadata)) if (typeof val === "string") md[k] = val;
    hook.metadata = md;
  }
  return hook;
}
