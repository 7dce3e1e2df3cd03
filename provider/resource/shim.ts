/**
 * The provider object that Pulumi serializes into every resource's `__provider`.
 *
 * It must stay a thin shim: the serializer copies this object, its functions and
 * everything they capture into state. So it captures nothing (no credentials, no
 * modules) and loads the real implementation by package name at call time. That
 * keeps `__provider` small and credential-free, and lets `refresh`/`destroy` run
 * the installed code instead of code frozen into old state.
 */
import type * as pulumi from "@pulumi/pulumi";

type Impl = typeof import("./lifecycle");

// `require` by package name, evaluated only inside the plugin at call time.
function impl(): Impl["webhookSecretProvider"] {
  return (require("pulumi-anton/dynamic") as Impl).webhookSecretProvider;
}

/** The one shared provider object (one serialization, cached by Pulumi per object). */
export const webhookSecretShim: pulumi.dynamic.ResourceProvider = {
  configure: (req) => impl().configure(req),
  check: (olds, news) => impl().check!(olds, news),
  diff: (id, olds, news) => impl().diff!(id, olds, news),
  create: (inputs) => impl().create(inputs),
  read: (id, props) => impl().read!(id, props),
  update: (id, olds, news) => impl().update!(id, olds, news),
  delete: (id, props) => impl().delete!(id, props),
};
