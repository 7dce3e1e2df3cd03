/**
 * A throwaway CA and server certificates, generated at test time with the
 * `openssl` CLI (never checked in). `opensslMissing()` says why TLS tests skip.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Undefined when the openssl CLI works; otherwise the reason TLS tests are skipped. */
export function opensslMissing(): string | undefined {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return undefined;
  } catch (err) {
    return `the openssl CLI is not available (${(err as { code?: string }).code ?? "error"}); install it (apt-get install openssl) to run the TLS suite`;
  }
}

export interface TestPki {
  dir: string;
  caFile: string;
  /** Issues a P-256 server certificate signed by the CA for the given subjectAltName (e.g. "IP:127.0.0.1,DNS:localhost"). */
  issue(name: string, subjectAltName: string): { key: Buffer; cert: Buffer };
  dispose(): void;
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "anton-pki-"));
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=pulumi-anton test CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-keyout", "ca.key", "-out", "ca.pem");
  return {
    dir,
    caFile: join(dir, "ca.pem"),
    issue(name, subjectAltName) {
      ssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.csr`);
      writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${subjectAltName}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
      ssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1", "-extfile", `${name}.ext`, "-out", `${name}.pem`);
      return { key: readFileSync(join(dir, `${name}.key`)), cert: readFileSync(join(dir, `${name}.pem`)) };
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
