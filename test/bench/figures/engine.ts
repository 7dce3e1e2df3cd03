/**
 * The real engine: `pulumi up` creating N AntonWebhookSecrets against the emulator with a simulated
 * request latency, against `pulumi up` of N no-op dynamic resources in the same run; then a
 * `pulumi preview` of the Anton stack with nothing due. Inline programs on a hermetic file backend,
 * the CLI from test/support/pulumi-cli.sh.
 */
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { hermeticBackend, installedPackage, TestStack, useCliBin } from "../../support/engine";
import type { EmulatorProcess } from "../emulator-process";
import { now, round } from "../stats";

export interface EngineFigure {
  n: number;
  latencyMs: number;
  /** Best wall time of each `pulumi up` over the rounds, ms. */
  antonUpMs: number;
  noopUpMs: number;
  ratio: number;
  /** The same no-op, shaped like an AntonWebhookSecret (two secret outputs, a __provider of the same size). */
  shapedUpMs: number;
  shapedRatio: number;
  /** Anton requests of the best Anton `up`, by kind. */
  requests: { tokens: number; rotates: number; reads: number; total: number };
  preview: { wallMs: number; requests: number };
}

const ROTATE = "POST /v1/webhooks/:id/secret/rotate";
const READ = "GET /v1/webhooks/:id/secret";
const TOKEN = "POST /oauth/token";

export async function measureEngine(
  emulator: EmulatorProcess,
  cliBin: string,
  opts: { providerBytes: number; n?: number; latencyMs?: number; rounds?: number },
): Promise<EngineFigure> {
  const n = opts.n ?? 100;
  const latencyMs = opts.latencyMs ?? 20;
  const rounds = opts.rounds ?? 2;
  useCliBin(cliBin);
  const { AntonWebhookSecret } = installedPackage();
  const noop = require(path.join(__dirname, "..", "noop-provider.cjs")) as pulumi.dynamic.ResourceProvider;
  const { shapedNoop } = require(path.join(__dirname, "..", "shaped-noop-provider.cjs")) as { shapedNoop(pad: number): pulumi.dynamic.ResourceProvider };
  const { dynamic, runtime } = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
  class Noop extends dynamic.Resource {
    constructor(name: string, i: number) {
      super(noop, name, { n: i }, {});
    }
  }
  // Padded so that its serialized text is as long as the Anton provider's.
  const textOf = async (p: pulumi.dynamic.ResourceProvider) => (await runtime.serializeFunction(() => p, { allowSecrets: true })).text.length;
  const shapedProvider = shapedNoop(Math.max(0, opts.providerBytes - (await textOf(shapedNoop(0)))));
  class Shaped extends dynamic.Resource {
    constructor(name: string, webhookId: string) {
      const outs = { secret: undefined, previousSecret: undefined, fingerprint: undefined, rotatedAt: undefined, nextRotationAt: undefined, rotationKey: undefined };
      super(shapedProvider, name, { webhookId, triggers: {}, rotateAfter: "", keepPrevious: true, adopt: false, ...outs }, { additionalSecretOutputs: ["secret", "previousSecret"] });
    }
  }
  const ids = await emulator.webhooks(n);
  const backend = hermeticBackend();
  const config = Object.fromEntries(Object.entries(emulator.config).map(([k, value]) => [k, { value, secret: k.endsWith("Secret") || k.endsWith("Key") }]));
  try {
    const declared = { present: true };
    const anton = await TestStack.create(backend, {
      project: "bench-anton",
      stack: "bench",
      config,
      program: async () => {
        if (declared.present) for (const [i, webhookId] of ids.entries()) new AntonWebhookSecret(`s${i}`, { webhookId });
        return {};
      },
    });
    const reference = await TestStack.create(backend, {
      project: "bench-noop",
      stack: "bench",
      program: async () => {
        if (declared.present) for (let i = 0; i < n; i++) new Noop(`n${i}`, i);
        return {};
      },
    });
    const shaped = await TestStack.create(backend, {
      project: "bench-shaped",
      stack: "bench",
      program: async () => {
        if (declared.present) for (const [i, webhookId] of ids.entries()) new Shaped(`s${i}`, webhookId);
        return {};
      },
    });
    await emulator.delay(latencyMs);
    let antonUpMs = Infinity;
    let noopUpMs = Infinity;
    let shapedUpMs = Infinity;
    let requests = { tokens: 0, rotates: 0, reads: 0, total: 0 };
    for (let round_ = 0; round_ < rounds; round_++) {
      declared.present = true;
      await emulator.reset();
      let t = now();
      await anton.up();
      const ms = now() - t;
      if (ms < antonUpMs) {
        antonUpMs = ms;
        const s = await emulator.state();
        requests = { tokens: s.byRoute[TOKEN] ?? 0, rotates: s.byRoute[ROTATE] ?? 0, reads: s.byRoute[READ] ?? 0, total: s.total };
      }
      t = now();
      await reference.up();
      noopUpMs = Math.min(noopUpMs, now() - t);
      t = now();
      await shaped.up();
      shapedUpMs = Math.min(shapedUpMs, now() - t);
      if (round_ < rounds - 1) {
        // Destroying makes no Anton request; the next round creates (and rotates) afresh.
        declared.present = false;
        for (const stack of [anton, reference, shaped]) await stack.up();
      }
    }
    await emulator.reset();
    const t = now();
    await anton.preview();
    const previewMs = now() - t;
    const previewRequests = (await emulator.state()).total;
    return {
      n,
      latencyMs,
      antonUpMs: round(antonUpMs, 0),
      noopUpMs: round(noopUpMs, 0),
      ratio: round(antonUpMs / noopUpMs, 2),
      shapedUpMs: round(shapedUpMs, 0),
      shapedRatio: round(antonUpMs / shapedUpMs, 2),
      requests,
      preview: { wallMs: round(previewMs, 0), requests: previewRequests },
    };
  } finally {
    await emulator.delay(0);
    backend.cleanup();
  }
}
