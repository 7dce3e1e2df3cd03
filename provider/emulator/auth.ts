import type { ClientRegistry } from "./clients";
import type { Counters } from "./counters";
import { DpopVerifier, ProofError } from "./dpop-verifier";
import { ApiError, dpopChallenge, invalidToken } from "./errors";
import type { Faults } from "./faults";
import type { NonceManager } from "./nonces";
import type { Reply, RequestContext } from "./reply";
import type { TokenStore } from "./tokens";

export interface AuthDeps {
  scheme: "http" | "https";
  now: () => number;
  tokenTtlSeconds: number;
  clients: ClientRegistry;
  tokens: TokenStore;
  faults: Faults;
  counters: Counters;
  nonces: NonceManager;
}

interface ProofExpectations {
  accessToken?: string;
  expectedJkt: string;
  expectedJktMessage?: string;
  onInvalid: (message: string) => ApiError;
  onNonce: (message: string, nonce: string) => ApiError;
}

/** OAuth 2.0 client_credentials with DPoP: the token endpoint, and the check of DPoP-bound tokens on /v1. */
export class Authenticator {
  private readonly verifier = new DpopVerifier();

  constructor(private readonly deps: AuthDeps) {}

  /** `POST /oauth/token`: client_credentials with a DPoP proof bound to the client's registered key. */
  async token(ctx: RequestContext): Promise<Reply> {
    const { deps } = this;
    const contentType = (ctx.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (contentType !== "application/x-www-form-urlencoded") {
      throw new ApiError(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded");
    }
    const form = new URLSearchParams(ctx.rawBody.toString("utf8"));
    const client = deps.clients.authenticate(ctx.headers.authorization);
    if (!client) {
      // Credentials in the form body (RFC 6749 client_secret_post) are not wrong, just not accepted: say so.
      const inBody = !/^Basic /i.test(ctx.headers.authorization ?? "") && (form.has("client_id") || form.has("client_secret"));
      const message = inBody
        ? "client credentials in the request body are not accepted; only HTTP Basic authentication is (Authorization: Basic base64(client_id:client_secret))"
        : "client authentication failed";
      throw new ApiError(401, "invalid_client", message, { "WWW-Authenticate": 'Basic realm="anton"' });
    }
    const grants = form.getAll("grant_type");
    if (grants.length !== 1) throw new ApiError(400, "invalid_request", "grant_type is required exactly once");
    if (grants[0] !== "client_credentials") throw new ApiError(400, "unsupported_grant_type", "only grant_type=client_credentials is supported");

    const proof = await this.checkProof(ctx, {
      expectedJkt: client.jkt,
      expectedJktMessage: "DPoP proof key not registered for this client",
      onInvalid: (message) => new ApiError(400, "invalid_dpop_proof", message),
      onNonce: (message, nonce) => new ApiError(400, "use_dpop_nonce", message, { "DPoP-Nonce": nonce }),
    });
    const token = deps.tokens.mint(client.clientId, proof.jkt, deps.tokenTtlSeconds, deps.now());
    deps.counters.tokensMinted += 1;
    return {
      status: 200,
      body: { access_token: token, token_type: "DPoP", expires_in: deps.tokenTtlSeconds },
      headers: { Pragma: "no-cache" },
    };
  }

  /** A /v1 request's DPoP-bound access token and its proof (with `ath`); returns the merchant it acts for. */
  async authorize(ctx: RequestContext): Promise<string> {
    const { deps } = this;
    const nowMs = deps.now();
    const authorization = ctx.headers.authorization ?? "";
    const match = /^(\S+)\s+(\S+)$/.exec(authorization);
    const token = match && match[1]!.toLowerCase() === "dpop" ? match[2]! : undefined;
    const record = token ? deps.tokens.lookup(token) : undefined;

    if (!authorization) throw invalidToken("missing access token; send Authorization: DPoP <token>");
    if (/^Bearer\s/i.test(authorization)) throw invalidToken("Bearer tokens are not accepted; send Authorization: DPoP <token>");
    if (!token) throw invalidToken("malformed Authorization header; send Authorization: DPoP <token>");
    if (!record) throw invalidToken("access token is invalid");
    if (ctx.plan.expireToken) {
      deps.faults.count("token-expiry");
      deps.tokens.expire(token, nowMs);
    }
    if (record.expiresAt <= nowMs) throw invalidToken("access token has expired");

    await this.checkProof(ctx, {
      accessToken: token,
      expectedJkt: record.jkt,
      onInvalid: (message) => new ApiError(401, "invalid_dpop_proof", message, dpopChallenge("invalid_dpop_proof", message)),
      onNonce: (message, nonce) =>
        new ApiError(401, "use_dpop_nonce", message, { ...dpopChallenge("use_dpop_nonce", message), "DPoP-Nonce": nonce }),
    });
    return record.clientId;
  }

  private async checkProof(ctx: RequestContext, opts: ProofExpectations) {
    const { deps } = this;
    const nowMs = deps.now();
    if (ctx.plan.skewSeconds !== 0) deps.faults.count("skew");
    const host = ctx.headers.host;
    if (!host) throw new ApiError(400, "invalid_request", "Host header is required");
    const proofHeader = ctx.headers.dpop;
    try {
      const verified = await this.verifier.verify(Array.isArray(proofHeader) ? proofHeader.join(",") : proofHeader, {
        method: ctx.method,
        url: `${deps.scheme}://${host}${ctx.path}`,
        serverNowMs: ctx.serverNowMs,
        nowMs,
        accessToken: opts.accessToken,
        expectedJkt: opts.expectedJkt,
        expectedJktMessage: opts.expectedJktMessage,
        nonces: deps.faults.nonceRequired ? deps.nonces : undefined,
        forceNonceChallenge: ctx.plan.nonce,
      });
      if (deps.faults.nonceRequired || verified.usedNonce) ctx.responseHeaders["DPoP-Nonce"] = deps.nonces.issue(nowMs);
      return verified;
    } catch (err) {
      if (!(err instanceof ProofError)) throw err;
      if (err.kind === "nonce") {
        deps.faults.count("nonce");
        throw opts.onNonce(err.message, deps.nonces.issue(nowMs));
      }
      throw opts.onInvalid(err.message);
    }
  }
}
