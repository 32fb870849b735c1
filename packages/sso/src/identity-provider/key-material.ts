import { X509Certificate, createPrivateKey } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

/** An IdP's signing key pair: the private key (PEM, PKCS#8) and its self-signed certificate (PEM). */
export interface IdpKeyMaterial {
  privateKeyPem: string;
  certificatePem: string;
}

const DAY_MS = 86_400_000;

/**
 * A new RSA-2048 key pair and a self-signed SHA-256 certificate for it, valid from a day ago (so that a check at
 * "now" never trips over the second it was made in) for `validDays`.
 */
export async function generateIdpKeyMaterial(commonName: string, { now = new Date(), validDays = 365 } = {}): Promise<IdpKeyMaterial> {
  // Loaded only when a key pair is made: a start whose key is saved already does not load it.
  const { generate } = await import("selfsigned");
  const pems = await generate([{ name: "commonName", value: commonName }], {
    keySize: 2048,
    algorithm: "sha256",
    notBeforeDate: new Date(now.getTime() - DAY_MS),
    notAfterDate: new Date(now.getTime() + validDays * DAY_MS),
  });
  return { privateKeyPem: pems.private, certificatePem: pems.cert };
}

export class IdpKeyMaterialError extends Error {}

const KEY_FILE = "signing-key.pem";
const CERTIFICATE_FILE = "certificate.pem";

async function readIfPresent(file: string): Promise<string | null> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** How long a kept key pair's certificate is valid. */
export const IDP_KEY_VALID_DAYS = 10 * 365;

/**
 * Starts making a key pair in memory when `folder` holds none yet, so that the work (a second or so of RSA prime
 * search, mostly off the event loop) overlaps with the rest of a start; nothing is written. Pass the result to
 * {@link loadOrCreateIdpKeyMaterial} as `generated`, which writes it only if the folder still holds no key then.
 */
export function startIdpKeyGeneration(folder: string, commonName: string): Promise<IdpKeyMaterial> | null {
  if (existsSync(path.join(folder, KEY_FILE)) && existsSync(path.join(folder, CERTIFICATE_FILE))) return null;
  const generating = generateIdpKeyMaterial(commonName, { validDays: IDP_KEY_VALID_DAYS });
  // Awaited later, or never (a start that fails first): an unawaited rejection must not end the process.
  generating.catch(() => {});
  return generating;
}

/**
 * The key pair kept in `folder` (`signing-key.pem`, mode 0600, and `certificate.pem`), created there on first use
 * and the same at every later call: an SSO connection that trusts the certificate keeps working across restarts.
 * A key that does not belong to the certificate is an error naming the folder, never silently replaced (the
 * connections that trust the old certificate would stop working). `generated`: a key pair made beforehand by
 * {@link startIdpKeyGeneration}, used instead of making one here.
 */
export async function loadOrCreateIdpKeyMaterial(
  folder: string,
  commonName: string,
  { generated }: { generated?: Promise<IdpKeyMaterial | null> | null } = {},
): Promise<IdpKeyMaterial> {
  const keyFile = path.join(folder, KEY_FILE);
  const certificateFile = path.join(folder, CERTIFICATE_FILE);
  const [privateKeyPem, certificatePem] = await Promise.all([readIfPresent(keyFile), readIfPresent(certificateFile)]);
  if (privateKeyPem !== null && certificatePem !== null) {
    let matches = false;
    try {
      matches = new X509Certificate(certificatePem).checkPrivateKey(createPrivateKey(privateKeyPem));
    } catch {
      matches = false;
    }
    if (!matches) {
      throw new IdpKeyMaterialError(
        `${keyFile} and ${certificateFile} are not a key pair and its certificate: remove both to generate new ones ` +
          "(then re-point the SSO connections that trust the old certificate).",
      );
    }
    // Only the owner may read the private key, even if a copy or a restore loosened the mode.
    await chmod(keyFile, 0o600);
    return { privateKeyPem, certificatePem };
  }

  const material = (await generated) ?? (await generateIdpKeyMaterial(commonName, { validDays: IDP_KEY_VALID_DAYS }));
  await mkdir(folder, { recursive: true, mode: 0o700 });
  // Written under temporary names and renamed, the key first: a crash leaves no certificate without its key.
  const suffix = `.${process.pid}.tmp`;
  await writeFile(keyFile + suffix, material.privateKeyPem, { mode: 0o600, flag: "wx" });
  await writeFile(certificateFile + suffix, material.certificatePem, { mode: 0o644, flag: "wx" });
  await rename(keyFile + suffix, keyFile);
  await rename(certificateFile + suffix, certificateFile);
  return material;
}
