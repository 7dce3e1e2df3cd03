/**
 * The provider that Pulumi serializes into every resource's `__provider`.
 *
 * It is this module's own exports (`pulumi-anton/provider`). When the package is installed from npm,
 * Pulumi's serializer recognizes a module in node_modules and stores a `require("pulumi-anton/provider")`
 * of about 250 bytes, instead of the code of seven functions stored twice per resource. Where it cannot
 * (a package linked from elsewhere), it copies these functions, which capture nothing (no credentials,
 * no modules) and load the implementation by package name at call time. Either way `__provider` is small
 * and credential-free, and `refresh`/`destroy` run the installed code, not code frozen into old state.
 */
import type * as pulumi from "@pulumi/pulumi";

type Impl = typeof import("./lifecycle");

// `require` by package name, evaluated only inside the plugin at call time.
function impl(): Impl["webhookSecretProvider"] {
  return (require("pulumi-anton/dynamic") as Impl).webhookSecretProvider;
}

export const configure: pulumi.dynamic.ResourceProvider["configure"] = (req) => impl().configure(req);
export const check: pulumi.dynamic.ResourceProvider["check"] = (olds, news) => impl().check!(olds, news);
export const diff: pulumi.dynamic.ResourceProvider["diff"] = (id, olds, news) => impl().diff!(id, olds, news);
export const create: pulumi.dynamic.ResourceProvider["create"] = (inputs) => impl().create(inputs);
export const read: pulumi.dynamic.ResourceProvider["read"] = (id, props) => impl().read!(id, props);
export const update: pulumi.dynamic.ResourceProvider["update"] = (id, olds, news) => impl().update!(id, olds, news);
// `delete` is a reserved word as a binding name, not as an export name.
const remove: pulumi.dynamic.ResourceProvider["delete"] = (id, props) => impl().delete!(id, props);
export { remove as delete };

/** The one shared provider object: this module's exports (one serialization, cached by Pulumi per object). */
export const webhookSecretShim: pulumi.dynamic.ResourceProvider = module.exports as pulumi.dynamic.ResourceProvider;
