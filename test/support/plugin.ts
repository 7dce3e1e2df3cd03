/**
 * Drives the real `@pulumi/pulumi` dynamic-provider plugin over gRPC, the way
 * the engine does, so lifecycle tests need no Pulumi CLI.
 *
 * The plugin only checks that an engine address argument is present (it never
 * dials it), binds 127.0.0.1:0 and prints its port as the first stdout line.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";

const root = path.resolve(__dirname, "..", "..");
const pulumiDir = path.join(root, "node_modules", "@pulumi", "pulumi");
const services = require(path.join(pulumiDir, "proto", "provider_grpc_pb.js"));
/** The provider protocol's generated messages and protobuf's Struct, as the plugin itself loads them. */
export const messages = require(path.join(pulumiDir, "proto", "provider_pb.js"));
export const { Struct } = require("google-protobuf/google/protobuf/struct_pb.js");

/** The engine's marker for a secret value on the wire. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";
/** The engine's placeholder for an unknown (computed) value. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function wrapSecret(value: unknown): Record<string, unknown> {
  return { [SECRET_SIG]: SECRET_VALUE, value };
}

export type Props = Record<string, any>;

export interface DiffResult {
  changes: "none" | "some" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
}

/** A running plugin process and typed RPC helpers in the engine's vocabulary. */
export interface Plugin {
  readonly stderr: () => string;
  readonly stdout: () => string;
  readonly pid: number;
  /** host:port of the plugin's gRPC server, for callers that speak to it directly (the bench). */
  readonly address: string;
  configure(config: Record<string, unknown>): Promise<void>;
  check(urn: string, olds: Props, news: Props): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }>;
  diff(id: string, urn: string, olds: Props, news: Props): Promise<DiffResult>;
  create(urn: string, props: Props): Promise<{ id: string; props: Props }>;
  read(id: string, urn: string, props: Props, inputs?: Props): Promise<{ id: string; props: Props; inputs?: Props }>;
  update(id: string, urn: string, olds: Props, news: Props): Promise<Props>;
  delete(id: string, urn: string, props: Props): Promise<void>;
  close(): Promise<void>;
}

const CHANGES = ["unknown", "none", "some"] as const;

/** Spawns the plugin (cwd = repository root, so `pulumi-anton/dynamic` resolves) and connects to it. */
export async function startPlugin(options: { env?: NodeJS.ProcessEnv } = {}): Promise<Plugin> {
  const script = path.join(pulumiDir, "cmd", "dynamic-provider", "index.js");
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [script, "127.0.0.1:1"], {
    cwd: root,
    env: { PATH: process.env.PATH, ...options.env },
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n")[0];
      if (out.includes("\n") && /^\d+$/.test(line.trim())) resolve(Number(line.trim()));
    };
    child.stdout.on("data", onData);
    child.once("exit", (code) => reject(new Error(`plugin exited with ${code}: ${err}`)));
  });
  const client = new services.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());

  const call = <T>(method: string, request: unknown): Promise<T> =>
    new Promise((resolve, reject) => {
      const deadline = new Date(Date.now() + 120_000);
      client[method](request, { deadline }, (e: grpc.ServiceError | null, res: T) => (e ? reject(e) : resolve(res)));
    });
  const struct = (v: Props) => Struct.fromJavaScript(v);

  return {
    stderr: () => err,
    stdout: () => out,
    pid: child.pid!,
    address: `127.0.0.1:${port}`,
    async configure(config) {
      const req = new messages.ConfigureRequest();
      req.setArgs(struct(config));
      req.setAcceptsecrets(true);
      await call("configure", req);
    },
    async check(urn, olds, news) {
      const req = new messages.CheckRequest();
      req.setUrn(urn);
      req.setOlds(struct(olds));
      req.setNews(struct(news));
      const res = await call<any>("check", req);
      const failures = res.getFailuresList().map((f: any) => ({ property: f.getProperty(), reason: f.getReason() }));
      return { inputs: res.getInputs()?.toJavaScript() ?? {}, failures };
    },
    async diff(id, urn, olds, news) {
      const req = new messages.DiffRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setOlds(struct(olds));
      req.setNews(struct(news));
      const res = await call<any>("diff", req);
      return { changes: CHANGES[res.getChanges()], replaces: res.getReplacesList(), deleteBeforeReplace: res.getDeletebeforereplace() };
    },
    async create(urn, props) {
      const req = new messages.CreateRequest();
      req.setUrn(urn);
      req.setProperties(struct(props));
      const res = await call<any>("create", req);
      return { id: res.getId(), props: res.getProperties().toJavaScript() };
    },
    async read(id, urn, props, inputs) {
      const req = new messages.ReadRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setProperties(struct(props));
      if (inputs) req.setInputs(struct(inputs));
      const res = await call<any>("read", req);
      return { id: res.getId(), props: res.getProperties()?.toJavaScript() ?? {}, inputs: res.getInputs()?.toJavaScript() };
    },
    async update(id, urn, olds, news) {
      const req = new messages.UpdateRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setOlds(struct(olds));
      req.setNews(struct(news));
      const res = await call<any>("update", req);
      return res.getProperties().toJavaScript();
    },
    async delete(id, urn, props) {
      const req = new messages.DeleteRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setProperties(struct(props));
      await call<unknown>("delete", req);
    },
    async close() {
      client.close();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}

/** A URN in the shape the engine uses for our resource type. */
export function urnOf(name: string, stack = "dev", project = "anton-test"): string {
  return `urn:pulumi:${stack}::${project}::pulumi-nodejs:dynamic/anton:WebhookSecret::${name}`;
}
