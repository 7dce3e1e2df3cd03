import { describe, expect, it } from "vitest";
import { TokenStore } from "../../provider/emulator/tokens";

// Unit level: reaching the sweep over HTTP would take 256 token requests for no extra coverage.
describe("TokenStore", () => {
  it("keeps force-expired tokens through a sweep, so a late request still hears 'expired'", () => {
    const store = new TokenStore();
    const now = 1_700_000_000_000;
    const old = store.mint("client", "jkt", 3600, now);
    const chaosVictim = store.mint("client", "jkt", 3600, now);
    store.expireAll(now);
    store.expire(chaosVictim, now);
    for (let i = 0; i < 300; i++) store.mint("client", "jkt", 3600, now + 1000);
    expect(store.lookup(old)?.expiresAt).toBe(now);
    expect(store.lookup(chaosVictim)?.expiresAt).toBe(now);
  });

  it("forgets tokens an hour after they expired, keeping the map bounded", () => {
    const store = new TokenStore();
    const now = 1_700_000_000_000;
    const token = store.mint("client", "jkt", 60, now);
    for (let i = 0; i < 300; i++) store.mint("client", "jkt", 60, now + 60_000 + 3_600_001);
    expect(store.lookup(token)).toBeUndefined();
  });

  it("never extends a token that already expired when forced to expire later", () => {
    const store = new TokenStore();
    const token = store.mint("client", "jkt", 60, 0);
    store.expire(token, 120_000);
    expect(store.lookup(token)?.expiresAt).toBe(60_000);
  });
});
