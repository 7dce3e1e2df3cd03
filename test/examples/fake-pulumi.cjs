#!/usr/bin/env node
// A stand-in for the Pulumi CLI, just enough of it for examples/quickstart/demo.ts: stacks and
// config in one JSON file under PULUMI_BACKEND_URL, and `up` running the REAL provider
// (check/diff/create from pulumi-anton/dynamic) against the emulator the demo started.
// Every invocation is appended to FAKE_PULUMI_LOG (argv, what came on stdin, backend env),
// so the test can check that secrets travel through stdin and never through argv.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const args = process.argv.slice(2);
const PROJECT = "quickstart";
const TYPE = "pulumi-nodejs:dynamic/anton:WebhookSecret";
const NAME = "quickstart";

function readStdin() {
  try {
    return fs.readFileSync(0, "utf8");
  } catch {
    return "";
  }
}

function statePath() {
  const url = process.env.PULUMI_BACKEND_URL || "";
  if (!url.startsWith("file://")) fail("no file:// backend");
  return path.join(url.slice("file://".length), "fake-stacks.json");
}
function load() {
  try {
    return JSON.parse(fs.readFileSync(statePath(), "utf8"));
  } catch {
    return {};
  }
}
function save(state) {
  fs.writeFileSync(statePath(), JSON.stringify(state), { mode: 0o600 });
}
function fail(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}
function flag(name) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}
function positional() {
  const out = [];
  for (let i = 0; i < args.length; i++) {
    if (["--stack", "--secrets-provider", "--replace"].includes(args[i])) i++;
    else if (!args[i].startsWith("--")) out.push(args[i]);
  }
  return out;
}

async function up(stack, replace) {
  const impl = require("pulumi-anton/dynamic");
  const provider = impl.webhookSecretProvider;
  const cfg = Object.fromEntries(Object.entries(stack.config).map(([k, v]) => [k, v.value]));
  await provider.configure({ config: { get: (k) => cfg[k], require: (k) => cfg[k] } });
  const news = { webhookId: cfg[`${PROJECT}:webhookId`], rotateAfter: cfg[`${PROJECT}:rotateAfter`] || "30d", triggers: { release: cfg[`${PROJECT}:release`] || "1" } };
  const urn = `urn:pulumi:${stack.name}::${PROJECT}::${TYPE}::${NAME}`;
  const prior = stack.resource;
  const checked = await provider.check(prior ? prior.inputs : {}, news);
  if (checked.failures.length) fail(checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; "));
  let op = "same";
  if (!prior) op = "create";
  else if (replace === urn) op = "replace";
  else if ((await provider.diff(prior.id, prior.outs, checked.inputs)).replaces.length) op = "replace";
  else if (replace) fail(`no resource ${replace}`);
  if (op !== "same") {
    const created = await provider.create(checked.inputs);
    stack.resource = { urn, id: created.id, inputs: checked.inputs, outs: created.outs };
  }
  await impl.closeClients();
  console.log(`Updating (${stack.name}):\n    ${op} ${TYPE} ${NAME}\nOutputs:\n    fingerprint: "${stack.resource.outs.fingerprint}"\n    secret     : [secret]`);
}

async function main() {
  const log = process.env.FAKE_PULUMI_LOG;
  const [cmd, sub] = args;
  const needsStdin = cmd === "config" && sub === "set" && positional().length === 3;
  const stdin = needsStdin ? readStdin() : undefined;
  if (log) {
    fs.appendFileSync(
      log,
      JSON.stringify({ args, stdin, backend: process.env.PULUMI_BACKEND_URL, passphrase: Boolean(process.env.PULUMI_CONFIG_PASSPHRASE) }) + "\n",
    );
  }
  if (cmd === "version") return console.log("v3.265.0");
  const state = load();
  const stackName = flag("--stack") || positional()[2];
  if (cmd === "stack" && sub === "rm") {
    if (!state[stackName]) fail(`no stack named '${stackName}' found`);
    delete state[stackName];
    return save(state);
  }
  if (cmd === "stack" && sub === "init") {
    if (state[stackName]) fail(`stack '${stackName}' already exists`);
    if (flag("--secrets-provider") !== "passphrase" || !process.env.PULUMI_CONFIG_PASSPHRASE) fail("passphrase secrets provider expected");
    state[stackName] = { name: stackName, config: {}, resource: undefined };
    return save(state);
  }
  const stack = state[stackName];
  if (!stack) fail(`no stack ${stackName}`);
  if (cmd === "config" && sub === "set") {
    const [, , key, value] = positional();
    stack.config[key] = { value: value !== undefined ? value : stdin, secret: args.includes("--secret") };
    return save(state);
  }
  if (cmd === "up") {
    if (!args.includes("--yes")) fail("--yes expected");
    await up(stack, flag("--replace"));
    return save(state);
  }
  if (cmd === "stack" && sub === "output") {
    const outs = stack.resource.outs;
    const name = positional()[2];
    if (name) return console.log(name === "secret" && !args.includes("--show-secrets") ? "[secret]" : outs[name]);
    const secret = args.includes("--show-secrets") ? outs.secret : "[secret]";
    return console.log(`Current stack outputs (4):\n    OUTPUT          VALUE\n    fingerprint     ${outs.fingerprint}\n    nextRotationAt  ${outs.nextRotationAt}\n    rotatedAt       ${outs.rotatedAt}\n    secret          ${secret}`);
  }
  if (cmd === "stack" && sub === "export") {
    const resources = [{ urn: `urn:pulumi:${stack.name}::${PROJECT}::pulumi:pulumi:Stack::${PROJECT}-${stack.name}`, type: "pulumi:pulumi:Stack" }];
    if (stack.resource) resources.push({ urn: stack.resource.urn, type: TYPE });
    return console.log(JSON.stringify({ version: 3, deployment: { resources } }));
  }
  fail(`fake pulumi does not support: ${cmd} ${sub}`);
}

main().catch((err) => fail(err && err.message ? err.message : String(err)));
