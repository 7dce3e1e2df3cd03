/**
 * Tier 3: runs a Pulumi program under `setMocks`, with a small engine model that
 * executes the REAL serialized `__provider` of every dynamic resource (the same
 * loader as the plugin) against the emulator.
 *
 * Mocks do not apply `additionalSecretOutputs`; this harness reads the list each
 * resource actually registered and applies it the way the engine does, so tests
 * see what users see. It also models successive `pulumi up` runs (diff, replace,
 * update) and `--replace`, enough for program-level assertions.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadSerialized } from "./serialize";

const settings = require("@pulumi/pulumi/runtime/settings") as { getMonitor(): any };

/** A resource as the model engine recorded it. */
export interface RecordedResource {
  type: string;
  name: string;
  id: string;
  inputs: Record<string, any>;
  state: Record<string, any>;
  secretOutputs: string[];
  /** Inputs exactly as registered on the wire: secret values keep the engine's secret marker. */
  wireInputs: Record<string, any>;
  /** The serialized `__provider` it was created with (dynamic resources only). */
  provider?: string;
  /** What the model engine did with it in this run. */
  op: "create" | "replace" | "update" | "same";
  /** The `replacementTrigger` resource option as registered (undefined when not set). */
  replacementTrigger?: unknown;
}

export interface RunOptions {
  /** Fully qualified stack config (e.g. "anton:clientId"). */
  config?: Record<string, string>;
  /** Config keys to mark secret. */
  secretKeys?: string[];
  project?: string;
  stack?: string;
  /** Resources from the previous run: turns this run into a second `pulumi up`. */
  previous?: Map<string, RecordedResource>;
  /** Resource names to force-replace, like `pulumi up --replace <urn>`. */
  replace?: string[];
  /** Passed to the provider's `configure()` (defaults to `config`). */
  providerConfig?: Record<string, string>;
  /**
   * Extra state for a non-dynamic resource (merged over its inputs), e.g. an `arn`, or the
   * `outputs`/`secretOutputNames` of a `pulumi:pulumi:StackReference`. Return undefined to keep the default.
   */
  resourceState?: (args: pulumi.runtime.MockResourceArgs) => Record<string, any> | undefined;
}

export interface RunResult<T> {
  exports: T;
  resources: Map<string, RecordedResource>;
  /** Serialized `__provider` strings seen, by resource name. */
  providers: Map<string, string>;
}

/** Resolves an Output to its value and whether it is secret. */
export async function settle<T>(value: pulumi.Output<T> | T): Promise<{ value: T; secret: boolean }> {
  if (!pulumi.Output.isInstance(value)) return { value: value as T, secret: false };
  const out = value as pulumi.Output<T>;
  const [resolved, secret] = await Promise.all([new Promise<T>((r) => out.apply((v) => r(v))), pulumi.isSecret(out)]);
  return { value: resolved, secret };
}

function unwrapSecret(value: unknown): unknown {
  // Inputs arrive already deserialized; `__provider` is a plain string unless it captured a secret.
  if (value && typeof value === "object" && "4dabf18193072939515e22adb298388d" in (value as object)) return (value as any).value;
  return value;
}

/**
 * Runs `program` as one deployment. `program` may return exports (like a stack's `export`s)
 * or load an example module and return its exports.
 */
export async function runProgram<T>(program: () => T | Promise<T>, options: RunOptions = {}): Promise<RunResult<Awaited<T>>> {
  const project = options.project ?? "anton-test";
  const stack = options.stack ?? "dev";
  const config = options.config ?? {};
  pulumi.runtime.setAllConfig(config, options.secretKeys ?? []);
  const previous = options.previous ?? new Map<string, RecordedResource>();
  const resources = new Map<string, RecordedResource>();
  const providers = new Map<string, string>();
  const declaredSecrets = new Map<string, string[]>();
  const wireInputs = new Map<string, Record<string, any>>();
  const triggers = new Map<string, unknown>();
  const providerConfig = options.providerConfig ?? config;
  const configGetter = { get: (k: string) => providerConfig[k], require: (k: string) => providerConfig[k] };

  await pulumi.runtime.setMocks(
    {
      async newResource(args) {
        const secretOutputs = declaredSecrets.get(`${args.type}::${args.name}`) ?? [];
        const wire = wireInputs.get(`${args.type}::${args.name}`) ?? {};
        const prior = previous.get(args.name);
        const replacementTrigger = triggers.get(`${args.type}::${args.name}`);
        let record: RecordedResource;
        if (args.type.startsWith("pulumi-nodejs:dynamic")) {
          const { __provider, ...news } = args.inputs as Record<string, unknown>;
          const text = unwrapSecret(__provider) as string;
          providers.set(args.name, text);
          const provider = loadSerialized(text);
          await provider.configure?.({ config: configGetter });
          // Like the engine: a replacementTrigger that differs from the recorded one forces a replace (null forces nothing).
          const triggered =
            prior !== undefined && replacementTrigger != null && JSON.stringify(replacementTrigger) !== JSON.stringify(prior.replacementTrigger);
          const forced = (options.replace?.includes(args.name) ?? false) || triggered;
          // Like the engine: Check with olds when the resource exists (not for --replace), then Diff.
          const checked = await provider.check!(prior && !forced ? prior.inputs : {}, news);
          if (checked.failures?.length) {
            throw new Error(`check failed: ${checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
          }
          const inputs = checked.inputs as Record<string, any>;
          let op: RecordedResource["op"] = "create";
          let id: string;
          let state: Record<string, any>;
          if (prior && !forced) {
            const diff = await provider.diff!(prior.id, prior.state, inputs);
            if (diff.replaces?.length) op = "replace";
            else if (diff.changes) op = "update";
            else op = "same";
          } else if (prior && forced) {
            op = "replace";
          }
          if (op === "create" || op === "replace") {
            const created = await provider.create(op === "replace" ? (await provider.check!({}, news)).inputs : inputs);
            id = created.id;
            state = created.outs ?? {};
            // Create-before-delete: the old resource is deleted with its own (old) provider afterwards.
            if (prior?.provider) await loadSerialized(prior.provider).delete?.(prior.id, prior.state);
          } else if (op === "update") {
            id = prior!.id;
            state = (await provider.update!(prior!.id, prior!.state, inputs)).outs ?? {};
          } else {
            id = prior!.id;
            state = prior!.state;
          }
          record = { type: args.type, name: args.name, id, inputs, state, secretOutputs, wireInputs: wire, op, provider: text, replacementTrigger };
        } else {
          record = {
            type: args.type,
            name: args.name,
            id: `${args.name}-id`,
            inputs: args.inputs,
            state: { ...args.inputs, ...options.resourceState?.(args) },
            secretOutputs,
            wireInputs: wire,
            op: prior ? "same" : "create",
          };
        }
        resources.set(args.name, record);
        const state: Record<string, any> = { ...record.state };
        for (const key of secretOutputs) if (key in state) state[key] = pulumi.secret(state[key]);
        return { id: record.id, state };
      },
      call: (args) => args.inputs,
    },
    project,
    stack,
    false,
  );

  // Record each resource's registered additionalSecretOutputs, which the mock API does not pass on.
  const monitor = settings.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    declaredSecrets.set(`${req.getType()}::${req.getName()}`, req.getAdditionalsecretoutputsList());
    wireInputs.set(`${req.getType()}::${req.getName()}`, req.getObject()?.toJavaScript() ?? {});
    triggers.set(`${req.getType()}::${req.getName()}`, req.getReplacementTrigger?.()?.toJavaScript());
    return register(req, callback);
  };

  const exports = await program();
  // Let every registration finish before reporting.
  await settleDeep(exports);
  await new Promise((r) => setImmediate(r));
  return { exports: exports as Awaited<T>, resources, providers };
}

async function settleDeep(value: unknown): Promise<void> {
  if (pulumi.Output.isInstance(value)) {
    await settle(value);
  } else if (value && typeof value === "object") {
    for (const v of Object.values(value)) await settleDeep(v);
  }
}
