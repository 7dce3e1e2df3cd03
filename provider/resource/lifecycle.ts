/**
 * The implementation behind the serialized provider shim: check, diff, create,
 * update, read and delete for `AntonWebhookSecret`.
 *
 * It runs inside the dynamic-provider plugin (and in tests), loaded by package
 * name, so `refresh` and `destroy` always run the installed code rather than the
 * code frozen into old state.
 */
import { createHash, randomUUID } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { AntonApiError, AntonConfigError, type AntonClient } from "../client";
import { clientFor, optionsFor, snapshotConfig, type ConfigSnapshot } from "./clients";
import { parseDuration } from "./duration";
import { UNKNOWN, sameTriggers, validateInputs, type WebhookSecretInputs, type WebhookSecretOutputs } from "./inputs";

/** What the lifecycle needs from its surroundings; tests replace the clock and the logger. */
export interface LifecycleDeps {
  /** Current time in ms. */
  now(): number;
  /** Where warnings go; never given a secret. */
  warn(message: string): void;
  /** Environment used when stack config does not set a value. */
  env: NodeJS.ProcessEnv;
  /** Returns the client for resolved credentials (default: one cached client per credential set). */
  client(config: ConfigSnapshot, env: NodeJS.ProcessEnv): AntonClient;
}

/** A dynamic provider with the extra hooks the shim and tests use. */
export interface WebhookSecretProvider extends pulumi.dynamic.ResourceProvider {
  configure(req: pulumi.dynamic.ConfigureRequest): Promise<void>;
}

function pulumiWarn(message: string): void {
  try {
    // Already loaded in the plugin and in programs; routes to the engine when one is attached.
    void (require("@pulumi/pulumi") as typeof import("@pulumi/pulumi")).log.warn(message);
  } catch {
    console.warn(`warning: ${message}`);
  }
}

const defaults: LifecycleDeps = {
  now: () => Date.now(),
  warn: pulumiWarn,
  env: process.env,
  client: (config, env) => clientFor(optionsFor(config, env)),
};

/** First 16 hex characters of SHA-256 of the secret: enough to tell secrets apart, useless to forge. */
export function fingerprintOf(secret: string): string {
  return secret ? createHash("sha256").update(secret, "utf8").digest("hex").slice(0, 16) : "";
}

function nextRotation(rotatedAt: string, rotateAfter: string): string {
  if (!rotateAfter || rotateAfter === UNKNOWN) return "";
  const base = Date.parse(rotatedAt);
  const period = parseDuration(rotateAfter);
  if (Number.isNaN(base) || !period.ok) return "";
  return new Date(base + period.ms).toISOString();
}

function isDue(rotatedAt: unknown, rotateAfter: unknown, now: number): boolean {
  if (typeof rotatedAt !== "string" || typeof rotateAfter !== "string" || !rotateAfter || rotateAfter === UNKNOWN) return false;
  const next = nextRotation(rotatedAt, rotateAfter);
  return next !== "" && Date.parse(next) <= now;
}

function isStatus(err: unknown, ...statuses: number[]): err is AntonApiError {
  return err instanceof AntonApiError && err.status !== undefined && statuses.includes(err.status);
}

/** Builds a provider implementation; the package's shared instance uses the real clock and environment. */
export function createWebhookSecretProvider(overrides: Partial<LifecycleDeps> = {}): WebhookSecretProvider {
  const deps: LifecycleDeps = { ...defaults, ...overrides };
  let config: ConfigSnapshot = {};
  const client = () => deps.client(config, deps.env);

  function outputs(inputs: WebhookSecretInputs, secret: string, previousSecret: string, rotatedAt: string, rotationKey: string): WebhookSecretOutputs {
    return {
      ...inputs,
      secret,
      previousSecret,
      fingerprint: fingerprintOf(secret),
      rotatedAt,
      nextRotationAt: nextRotation(rotatedAt, inputs.rotateAfter),
      rotationKey,
    };
  }

  /** The secret receivers hold right now, so they can keep accepting it during the cutover. */
  async function currentSecret(c: AntonClient, webhookId: string): Promise<string> {
    try {
      return (await c.getWebhookSecret(webhookId)).secret;
    } catch (err) {
      // A server that does not expose the secret endpoint still lets us rotate; we just cannot offer an overlap.
      if (isStatus(err, 405, 501)) {
        deps.warn(`Anton did not return the current secret of ${webhookId} (HTTP ${err.status}); previousSecret will be empty. Set keepPrevious: false to skip this read.`);
        return "";
      }
      throw err;
    }
  }

  async function rotate(c: AntonClient, webhookId: string, before: string): Promise<{ secret: string; key: string }> {
    const key = randomUUID();
    try {
      return { secret: (await c.rotateWebhookSecret(webhookId, { idempotencyKey: key })).secret, key };
    } catch (err) {
      if (!(err instanceof AntonApiError) || err.serverState !== "unknown" || !before) throw err;
      // The rotation may have committed with its response lost. We know the secret from just before,
      // so the server's current secret tells us which: never lose a committed rotation, never rotate twice.
      const now = await c.getWebhookSecret(webhookId).then((r) => r.secret, () => undefined);
      if (now !== undefined && now !== before) return { secret: now, key };
      if (now === before) {
        // Not applied. The same key keeps a late commit of the first attempt from rotating a second time.
        return { secret: (await c.rotateWebhookSecret(webhookId, { idempotencyKey: key })).secret, key };
      }
      throw err;
    }
  }

  return {
    async configure(req) {
      config = snapshotConfig(req.config);
    },

    async check(_olds, news) {
      const { inputs, failures } = validateInputs(news);
      // Credentials are checked here so a preview fails fast, but without any request.
      try {
        deps.client(config, deps.env);
      } catch (err) {
        if (!(err instanceof AntonConfigError)) throw err;
        failures.push({ property: err.field, reason: err.message });
      }
      return { inputs: inputs as unknown as Record<string, unknown>, failures };
    },

    async diff(_id, olds: Partial<WebhookSecretOutputs>, news: WebhookSecretInputs) {
      const replaces: string[] = [];
      if (news.webhookId !== olds.webhookId) replaces.push("webhookId");
      if (!sameTriggers(olds.triggers, news.triggers)) replaces.push("triggers");
      if (isDue(olds.rotatedAt, news.rotateAfter, deps.now())) replaces.push("rotateAfter");
      const inPlace =
        (olds.rotateAfter ?? "") !== news.rotateAfter || (olds.keepPrevious ?? true) !== news.keepPrevious || (olds.adopt ?? false) !== news.adopt;
      return { changes: replaces.length > 0 || inPlace, replaces, deleteBeforeReplace: false };
    },

    async create(news: WebhookSecretInputs) {
      const c = client();
      const { webhookId } = news;
      const rotatedAt = () => new Date(deps.now()).toISOString();
      if (news.adopt) {
        const { secret } = await c.getWebhookSecret(webhookId);
        const at = rotatedAt();
        return { id: `${webhookId}:${at}`, outs: outputs(news, secret, "", at, "") };
      }
      const before = news.keepPrevious ? await currentSecret(c, webhookId) : "";
      const { secret, key } = await rotate(c, webhookId, before);
      const at = rotatedAt();
      return { id: `${webhookId}:${at}`, outs: outputs(news, secret, before, at, key) };
    },

    async update(_id, olds: WebhookSecretOutputs, news: WebhookSecretInputs) {
      // No API call: only rotateAfter/keepPrevious/adopt changed, and they affect future rotations.
      return { outs: outputs(news, olds.secret, olds.previousSecret ?? "", olds.rotatedAt, olds.rotationKey ?? "") };
    },

    async read(id, props: WebhookSecretOutputs) {
      const c = client();
      const { webhookId } = props;
      let secret: string;
      try {
        secret = (await c.getWebhookSecret(webhookId)).secret;
      } catch (err) {
        if (isStatus(err, 404)) {
          const gone = await c.getWebhook(webhookId).then(
            () => false,
            (e: unknown) => (isStatus(e, 404) ? true : Promise.reject(e)),
          );
          if (gone) return { id: "", props: {} };
        }
        if (isStatus(err, 404, 405, 501)) {
          deps.warn(`Anton does not expose the secret of ${webhookId} (HTTP ${err.status}); refresh kept the recorded secret (fingerprint ${props.fingerprint}).`);
          return { id, props };
        }
        throw err;
      }
      if (secret === props.secret) return { id, props };
      const at = new Date(deps.now()).toISOString();
      deps.warn(
        `The signing secret of ${webhookId} was rotated outside Pulumi (fingerprint ${props.fingerprint || "unknown"} -> ${fingerprintOf(secret)}); refresh recorded the server's secret.`,
      );
      const inputs: WebhookSecretInputs = {
        webhookId,
        triggers: props.triggers ?? {},
        rotateAfter: props.rotateAfter ?? "",
        keepPrevious: props.keepPrevious ?? true,
        adopt: props.adopt ?? false,
      };
      return { id, props: outputs(inputs, secret, props.secret ?? "", at, "") };
    },

    async delete() {
      // Nothing to undo: a rotation cannot be reverted, and the webhook itself is not ours to delete.
    },
  };
}

/**
 * The process-wide provider the serialized shim delegates to. Pulumi prints only a failed operation's message,
 * so there an Anton error's hint (kept out of its message) is added to it.
 */
export const webhookSecretProvider: WebhookSecretProvider = withHintsShown(createWebhookSecretProvider());

function withHintsShown(provider: WebhookSecretProvider): WebhookSecretProvider {
  const shown = {} as Record<string, unknown>;
  for (const [name, method] of Object.entries(provider) as Array<[string, (...args: unknown[]) => Promise<unknown>]>) {
    shown[name] = (...args: unknown[]) =>
      method(...args).catch((err: unknown) => {
        if (!(err instanceof AntonApiError) || !err.hint) throw err;
        throw new AntonApiError({ ...err.toJSON(), code: err.code, message: `${err.message} (${err.hint})`, hint: err.hint } as ConstructorParameters<typeof AntonApiError>[0]);
      });
  }
  return shown as unknown as WebhookSecretProvider;
}
