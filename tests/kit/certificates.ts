import { generate } from "selfsigned";

const DAY = 86_400_000;

/** A self-signed certificate (PEM) valid between the two dates, e.g. an IdP signing certificate for tests. */
export async function certificatePem(
  options: { notBefore?: Date; notAfter?: Date; commonName?: string } = {},
): Promise<{ cert: string; privateKey: string }> {
  const now = Date.now();
  const pems = await generate([{ name: "commonName", value: options.commonName ?? "idp.test" }], {
    keySize: 2048,
    notBeforeDate: options.notBefore ?? new Date(now - DAY),
    notAfterDate: options.notAfter ?? new Date(now + 365 * DAY),
  });
  return { cert: pems.cert, privateKey: pems.private };
}
