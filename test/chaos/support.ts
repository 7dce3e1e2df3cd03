/**
 * Chaos harness: many logical rotations through the resource lifecycle (check, then
 * create) against an emulator that injects faults at random, with a bookkeeping of
 * what the server did for each one. Shared by the chaos test and the monitoring test.
 */
import { AntonApiError, AntonClient, resolveClientOptions, type ClientStats } from "../../provider/client";
import type { ConfigSnapshot } from "../../provider/resource/clients";
import { createWebhookSecretProvider, fingerprintOf } from "../../provider/resource/lifecycle";
import type { WebhookSecretOutputs } from "../../provider/resource/inputs";
import type { Emulator } from "../../provider/emulator";

export interface ChaosFigures {
  rotations: number;
  webhooks: number;
  successes: number;
  failures: number;
  /** Failures that said serverState "unknown" (the rest said "unchanged"). */
  failuresStateUnknown: number;
  /** Failed rotations that had committed on the server anyway (recovered by refresh). */
  failuresCommitted: number;
  /** A success whose secret is not the server's, or a failure whose refresh did not converge. */
  lostSecrets: number;
  /** A logical rotation that changed the server's secret more than once. */
  doubleRotations: number;
  /** A success that did not change the server's secret at all. */
  missingRotations: number;
  /** A failure that claimed "unchanged" although the server had rotated. */
  wrongServerState: number;
  /** Client retries (all reasons) over the whole run, including refreshes. */
  retries: number;
  retriesByReason: Record<string, number>;
  /** Reads (refresh) needed to bring state back in line after failures. */
  refreshReads: number;
  requestsAtServer: number;
  faultsInjected: Record<string, number>;
  /** Error codes of failed rotations. */
  failureCodes: Record<string, number>;
  /** Anything thrown that was not an AntonApiError (must be empty). */
  foreignErrors: string[];
  /** The client's own counters at the end of the run. */
  clientStats?: ClientStats;
}

export interface ChaosOptions {
  rotations: number;
  webhooks: number;
  rate: number;
  seed: number;
  /** Collected warnings (lifecycle `warn`). */
  warnings?: string[];
  /** Called with every error a rotation or refresh throws (for leak scans). */
  onError?: (err: unknown) => void;
  /** Called after every logical rotation with the server's current and previous secret of that webhook (leak canaries). */
  onServerSecrets?: (secrets: string[]) => void;
}

/** Runs the chaos scenario; rotations of one webhook run in sequence, webhooks run concurrently. */
export async function runChaos(emulator: Emulator, config: Record<string, string>, opts: ChaosOptions): Promise<ChaosFigures> {
  const retriesByReason: Record<string, number> = {};
  let client: AntonClient | undefined;
  const clientFactory = (cfg: ConfigSnapshot, env: NodeJS.ProcessEnv) =>
    (client ??= new AntonClient({
      ...resolveClientOptions({ config: (k) => cfg[k as keyof ConfigSnapshot], env }),
      // Slow faults hold responses 1.5 s; undici fires sub-second timeouts on a ~0.5 s tick, so 250 ms means 250-750 ms.
      timeouts: { connectMs: 2_000, headersMs: 250, bodyMs: 250 },
      retry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 5 },
      // Retry-After and backoff waits are recorded, not slept: the figures, not the wall clock, are under test.
      sleep: async () => {},
    }));
  const warnings = opts.warnings ?? [];
  const provider = createWebhookSecretProvider({ env: {}, warn: (m) => warnings.push(m), client: clientFactory });
  await provider.configure({ config: { get: (k: string) => config[k], require: (k: string) => config[k]! } });

  const figures: ChaosFigures = {
    rotations: opts.rotations,
    webhooks: opts.webhooks,
    successes: 0,
    failures: 0,
    failuresStateUnknown: 0,
    failuresCommitted: 0,
    lostSecrets: 0,
    doubleRotations: 0,
    missingRotations: 0,
    wrongServerState: 0,
    retries: 0,
    retriesByReason,
    refreshReads: 0,
    requestsAtServer: 0,
    faultsInjected: {},
    failureCodes: {},
    foreignErrors: [],
  };

  const hooks = Array.from({ length: opts.webhooks }, () => emulator.createWebhook());
  const perHook = Math.floor(opts.rotations / opts.webhooks);
  const requestsBefore = emulator.state.requests.total;
  emulator.faults.random({ rate: opts.rate, seed: opts.seed, slowMs: 1_500, skewSeconds: 300 });

  const diagnostics = await import("node:diagnostics_channel");
  const onRetry = (m: unknown) => {
    const reason = (m as { reason: string }).reason;
    retriesByReason[reason] = (retriesByReason[reason] ?? 0) + 1;
  };
  diagnostics.subscribe("pulumi-anton:retry", onRetry);
  try {
    await Promise.all(
      hooks.map(async (hook) => {
        // The state Pulumi would hold for this webhook: as if adopted before the run.
        const current = emulator.state.currentSecret(hook.id)!;
        let state = stateFor(hook.id, current);
        for (let i = 0; i < perHook; i++) state = await oneRotation(hook.id, state);
      }),
    );
  } finally {
    diagnostics.unsubscribe("pulumi-anton:retry", onRetry);
    emulator.faults.clear();
  }
  figures.retries = client?.stats.retries ?? 0;
  if (client) figures.clientStats = structuredClone(client.stats);
  figures.requestsAtServer = emulator.state.requests.total - requestsBefore;
  figures.faultsInjected = { ...emulator.faults.injected };
  await client?.close();
  return figures;

  async function oneRotation(webhookId: string, prior: { id: string; props: WebhookSecretOutputs }) {
    const checked = await provider.check!({}, { webhookId, rotateAfter: "30d", triggers: { run: String(Math.random()) } });
    if (checked.failures?.length) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
    const before = emulator.state.rotations(webhookId);
    try {
      return await attempt();
    } finally {
      const { state } = emulator;
      opts.onServerSecrets?.([state.currentSecret(webhookId), state.previousSecret(webhookId)].filter((x): x is string => !!x));
    }

    async function attempt() {
      try {
        const created = await provider.create!(checked.inputs);
        const delta = emulator.state.rotations(webhookId) - before;
        figures.successes += 1;
        if (delta > 1) figures.doubleRotations += 1;
        if (delta === 0) figures.missingRotations += 1;
        if (created.outs.secret !== emulator.state.currentSecret(webhookId)) figures.lostSecrets += 1;
        return { id: created.id, props: created.outs as WebhookSecretOutputs };
      } catch (err) {
        opts.onError?.(err);
        const delta = emulator.state.rotations(webhookId) - before;
        figures.failures += 1;
        if (delta > 1) figures.doubleRotations += 1;
        if (delta === 1) figures.failuresCommitted += 1;
        if (!(err instanceof AntonApiError)) {
          figures.foreignErrors.push(String((err as Error)?.name ?? typeof err));
        } else {
          figures.failureCodes[err.code] = (figures.failureCodes[err.code] ?? 0) + 1;
          if (err.serverState === "unknown") figures.failuresStateUnknown += 1;
          else if (delta !== 0) figures.wrongServerState += 1;
        }
        // `pulumi refresh`: the read of the prior state must record the server's secret.
        for (let attempt = 1; attempt <= 5; attempt++) {
          figures.refreshReads += 1;
          try {
            const read = await provider.read!(prior.id, prior.props);
            if (read.props?.secret !== emulator.state.currentSecret(webhookId)) break;
            return { id: read.id || prior.id, props: read.props as WebhookSecretOutputs };
          } catch (readErr) {
            opts.onError?.(readErr);
          }
        }
        figures.lostSecrets += 1;
        return prior;
      }
    }
  }
}

function stateFor(webhookId: string, secret: string): { id: string; props: WebhookSecretOutputs } {
  const at = new Date().toISOString();
  return {
    id: `${webhookId}:${at}`,
    props: {
      webhookId,
      triggers: {},
      rotateAfter: "30d",
      keepPrevious: true,
      adopt: true,
      secret,
      previousSecret: "",
      fingerprint: fingerprintOf(secret),
      rotatedAt: at,
      nextRotationAt: "",
      rotationKey: "",
    },
  };
}
