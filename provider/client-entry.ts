/**
 * `pulumi-anton/client`: the Anton API client (`AntonClient`), its options, errors and
 * diagnostics channels, without the Pulumi resource: this entry does not load `@pulumi/pulumi`.
 * The same names are exported by the package root.
 *
 * @packageDocumentation
 */
export * from "./client";
