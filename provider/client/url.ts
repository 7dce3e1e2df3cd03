/**
 * API base URL rules. TLS is mandatory for Anton; plain HTTP is tolerated only
 * on loopback, where it cannot leave the machine (local emulators and tests).
 */
import { isIP } from "node:net";

/** True for `localhost`, 127.0.0.0/8 and `::1` (URL hostnames keep IPv6 brackets). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1" || host === "0:0:0:0:0:0:0:1" || /^::ffff:127\./.test(host);
  return false;
}

/** Why `raw` is not an acceptable API base URL, or undefined when it is. */
export function apiUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "is not a valid URL; expected e.g. https://api.antonpayments.com";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return `uses the unsupported scheme "${url.protocol.replace(/:$/, "")}"; use https://`;
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    return "uses plain http:// for a non-loopback host; Anton requires TLS (https://). http:// is accepted only for localhost/127.0.0.1/[::1]";
  }
  if (url.username || url.password) {
    return "contains a username or password; remove them (credentials belong in clientId/clientSecret)";
  }
  if (url.search || raw.includes("?")) return "contains a query string; use the bare origin, e.g. https://api.antonpayments.com";
  if (url.hash || raw.includes("#")) return "contains a fragment (#...); use the bare origin";
  if (url.pathname !== "/" && url.pathname !== "") {
    return `has a path ("${url.pathname}"); use the bare origin without /v1, e.g. https://api.antonpayments.com`;
  }
  return undefined;
}

/**
 * The `htu` claim for a request (RFC 9449 §4.2): scheme, host, port when not
 * default, and path; never the query or fragment. WHATWG URL already
 * lowercases scheme and host and drops default ports.
 */
export function htuFor(origin: string, pathAndQuery: string): string {
  const u = new URL(pathAndQuery, origin);
  return `${u.origin}${u.pathname}`;
}
