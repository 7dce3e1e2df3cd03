import type { EmulatorWebhook, WebhookStore } from "./webhook-store";
import { snapshot } from "./webhook-store";
import type { Faults } from "./faults";

/** What tests can observe about the emulator. Getters return copies; nothing here mutates webhooks. */
export interface EmulatorState {
  requests: { total: number; byRoute: Record<string, number> };
  tokensMinted: number;
  /** Times the secret of `id` actually changed (API and out-of-band rotations). */
  rotations(id: string): number;
  totalRotations(): number;
  webhook(id: string): EmulatorWebhook | undefined;
  webhooks(): EmulatorWebhook[];
  currentSecret(id: string): string | undefined;
  previousSecret(id: string): string | undefined;
  /** Error responses by error code, e.g. `{ invalid_dpop_proof: 2 }`. */
  rejections: Record<string, number>;
  /** Zero requests, tokensMinted, rejections and `faults.injected` (webhooks are kept). */
  resetCounters(): void;
}

export class Counters implements EmulatorState {
  requests = { total: 0, byRoute: {} as Record<string, number> };
  tokensMinted = 0;
  rejections: Record<string, number> = {};

  // Private fields: printing the emulator's state must not print the webhooks' secrets.
  readonly #store: WebhookStore;
  readonly #faults: Faults;

  constructor(store: WebhookStore, faults: Faults) {
    this.#store = store;
    this.#faults = faults;
  }

  countRequest(routeKey: string): void {
    this.requests.total += 1;
    this.requests.byRoute[routeKey] = (this.requests.byRoute[routeKey] ?? 0) + 1;
  }

  countRejection(code: string): void {
    this.rejections[code] = (this.rejections[code] ?? 0) + 1;
  }

  rotations(id: string): number {
    return this.#store.get(id)?.rotations ?? 0;
  }

  totalRotations(): number {
    return this.#store.totalRotations();
  }

  webhook(id: string): EmulatorWebhook | undefined {
    const record = this.#store.get(id);
    return record && snapshot(record);
  }

  webhooks(): EmulatorWebhook[] {
    return this.#store.all().map(snapshot);
  }

  currentSecret(id: string): string | undefined {
    return this.#store.get(id)?.secret;
  }

  previousSecret(id: string): string | undefined {
    return this.#store.get(id)?.previousSecret;
  }

  resetCounters(): void {
    // Mutate in place: tests may hold a reference to these objects.
    this.requests.total = 0;
    for (const key of Object.keys(this.requests.byRoute)) delete this.requests.byRoute[key];
    for (const key of Object.keys(this.rejections)) delete this.rejections[key];
    for (const key of Object.keys(this.#faults.injected)) delete this.#faults.injected[key];
    this.tokensMinted = 0;
  }

  /** Counters without any secret, for `GET /__emulator/state`. */
  toJson(): Record<string, unknown> {
    return {
      requests: { total: this.requests.total, by_route: { ...this.requests.byRoute } },
      tokens_minted: this.tokensMinted,
      rejections: { ...this.rejections },
      injected: { ...this.#faults.injected },
      total_rotations: this.totalRotations(),
      webhooks: this.#store.all().map((w) => ({ id: w.id, url: w.url, events: [...w.events], rotations: w.rotations, updated_at: w.updatedAt })),
    };
  }
}
