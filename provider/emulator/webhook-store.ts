import { webhookId, webhookSecret } from "./ids";

/** A webhook subscription as tests see it (camelCase; the HTTP API speaks snake_case). */
export interface EmulatorWebhook {
  id: string;
  url: string;
  events: string[];
  secret: string;
  previousSecret?: string;
  /** Epoch ms until which `previousSecret` still signs deliveries. */
  previousValidUntil?: number;
  rotations: number;
  createdAt: string;
  updatedAt: string;
  metadata: Record<string, string>;
}

interface WebhookRecord extends EmulatorWebhook {
  merchantId: string;
  /** Creation order; cursors point into it, so deleting a webhook never shifts a page. */
  seq: number;
}

/** The public JSON shape of a subscription (never includes the secret). */
export interface WebhookJson {
  id: string;
  merchant_id: string;
  url: string;
  events: string[];
  version: string;
  created_at: string;
  updated_at: string;
  metadata: Record<string, string>;
}

/** Webhook subscriptions, each owned by one merchant (client). */
export class WebhookStore {
  private readonly records = new Map<string, WebhookRecord>();
  private seq = 0;

  create(merchantId: string, input: { url: string; events: string[]; metadata?: Record<string, string> }, nowMs: number): WebhookRecord {
    const at = new Date(nowMs).toISOString();
    const record: WebhookRecord = {
      id: webhookId(),
      merchantId,
      seq: ++this.seq,
      url: input.url,
      events: [...input.events],
      metadata: { ...input.metadata },
      secret: webhookSecret(),
      rotations: 0,
      createdAt: at,
      updatedAt: at,
    };
    this.records.set(record.id, record);
    return record;
  }

  /** The record, only if `merchantId` owns it (other merchants get "not found", as the docs require). */
  owned(id: string, merchantId: string): WebhookRecord | undefined {
    const record = this.records.get(id);
    return record && record.merchantId === merchantId ? record : undefined;
  }

  get(id: string): WebhookRecord | undefined {
    return this.records.get(id);
  }

  all(): WebhookRecord[] {
    return [...this.records.values()];
  }

  page(merchantId: string, afterSeq: number, limit: number): { items: WebhookRecord[]; hasMore: boolean } {
    const items: WebhookRecord[] = [];
    let hasMore = false;
    for (const record of this.records.values()) {
      if (record.merchantId !== merchantId || record.seq <= afterSeq) continue;
      if (items.length === limit) {
        hasMore = true;
        break;
      }
      items.push(record);
    }
    return { items, hasMore };
  }

  /** Replaces the secret; the old one keeps signing deliveries for `graceSeconds`. */
  rotate(id: string, graceSeconds: number, nowMs: number): string {
    const record = this.records.get(id);
    if (!record) throw new RangeError("unknown webhook");
    record.previousSecret = record.secret;
    record.previousValidUntil = nowMs + graceSeconds * 1000;
    record.secret = webhookSecret();
    record.rotations += 1;
    record.updatedAt = new Date(nowMs).toISOString();
    return record.secret;
  }

  delete(id: string): boolean {
    return this.records.delete(id);
  }

  /** Secrets that sign a delivery now: current first, then the previous one while its grace lasts. */
  signingSecrets(record: WebhookRecord, nowMs: number): string[] {
    const secrets = [record.secret];
    if (record.previousSecret && (record.previousValidUntil ?? 0) > nowMs) secrets.push(record.previousSecret);
    return secrets;
  }

  totalRotations(): number {
    let total = 0;
    for (const record of this.records.values()) total += record.rotations;
    return total;
  }
}

export function toJson(record: WebhookRecord): WebhookJson {
  return {
    id: record.id,
    merchant_id: record.merchantId,
    url: record.url,
    events: [...record.events],
    version: "2024-01-01",
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    metadata: { ...record.metadata },
  };
}

/** A detached copy for tests, so they cannot mutate emulator state by accident. */
export function snapshot(record: WebhookRecord): EmulatorWebhook {
  const { merchantId: _m, seq: _s, ...rest } = record;
  return { ...rest, events: [...rest.events], metadata: { ...rest.metadata } };
}
