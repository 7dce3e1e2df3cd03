/** Operations the emulator serves. */
export type RouteName =
  | "token"
  | "jwks"
  | "webhooks.create"
  | "webhooks.list"
  | "webhooks.get"
  | "webhooks.delete"
  | "webhooks.secret"
  | "webhooks.rotate"
  | "webhooks.test";

export type RouteMatch =
  | { kind: "found"; name: RouteName; key: string; id?: string }
  | { kind: "method_not_allowed"; key: string; allow: string }
  | { kind: "not_found"; key: string };

const TABLE: Array<{ pattern: string; methods: Record<string, RouteName> }> = [
  { pattern: "/oauth/token", methods: { POST: "token" } },
  { pattern: "/.well-known/jwks.json", methods: { GET: "jwks" } },
  { pattern: "/v1/webhooks", methods: { POST: "webhooks.create", GET: "webhooks.list" } },
  { pattern: "/v1/webhooks/:id", methods: { GET: "webhooks.get", DELETE: "webhooks.delete" } },
  { pattern: "/v1/webhooks/:id/secret", methods: { GET: "webhooks.secret" } },
  { pattern: "/v1/webhooks/:id/secret/rotate", methods: { POST: "webhooks.rotate" } },
  { pattern: "/v1/webhooks/:id/test", methods: { POST: "webhooks.test" } },
];

const COMPILED = TABLE.map((route) => ({ ...route, segments: route.pattern.split("/") }));

/**
 * Matches a path to a route. `key` is the counter label, e.g. "POST /v1/webhooks/:id/secret/rotate";
 * it never contains request input, so it is safe to log.
 */
export function matchRoute(method: string, path: string): RouteMatch {
  const segments = path.split("/");
  for (const route of COMPILED) {
    if (route.segments.length !== segments.length) continue;
    let id: string | undefined;
    const ok = route.segments.every((seg, i) => {
      if (seg === ":id") {
        id = segments[i];
        return id !== "";
      }
      return seg === segments[i];
    });
    if (!ok) continue;
    const name = route.methods[method];
    if (name) return { kind: "found", name, key: `${method} ${route.pattern}`, id };
    return { kind: "method_not_allowed", key: `${method} ${route.pattern}`, allow: Object.keys(route.methods).join(", ") };
  }
  return { kind: "not_found", key: `${method} (unmatched)` };
}
