/**
 * The demo's SSO connection follows the development IdP: a demo seeded without it (its IdP key thrown away) is
 * pointed at it, with an audit event (R13), its SSO URL follows PUBLIC_URL, and a connection an admin configured
 * for another IdP is never touched.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_ENTERPRISE_KEY, pointDemoAtDevelopmentIdp, seedDemo } from "../../prisma/seed/demo";
import { developmentIdpConnection, generateIdpKeyMaterial, type IdpKeyMaterial } from "@sso-cutover/sso/identity-provider";
import { startTestGateway, type TestGateway } from "../kit/gateway";

let kit: TestGateway;
let keys: IdpKeyMaterial;
beforeAll(async () => {
  kit = await startTestGateway();
  keys = await generateIdpKeyMaterial("dev-idp.test");
  await seedDemo(kit.prisma);
});
afterAll(() => kit.close());

const demoConnection = () => kit.prisma.ssoConnection.findFirstOrThrow({ where: { enterprise: { key: DEMO_ENTERPRISE_KEY } } });
const repointings = () => kit.prisma.auditEvent.count({ where: { action: "sso_connection.updated", actorId: null } });

describe("the demo's SSO connection and the development IdP", () => {
  it("R13: a demo seeded without the development IdP is pointed at it once, audited; its SSO URL then follows PUBLIC_URL", async () => {
    const idp = developmentIdpConnection("http://localhost:4000", keys);
    expect(await pointDemoAtDevelopmentIdp(kit.prisma, idp)).toBe(true);
    expect(await demoConnection()).toMatchObject({ idpEntityId: idp.idpEntityId, idpSsoUrl: "http://localhost:4000/dev-idp", idpCertificates: [idp.idpCertificate] });
    expect(await repointings()).toBe(1);

    expect(await pointDemoAtDevelopmentIdp(kit.prisma, idp)).toBe(false);
    expect(await repointings()).toBe(1);

    expect(await pointDemoAtDevelopmentIdp(kit.prisma, developmentIdpConnection("http://localhost:4500", keys))).toBe(true);
    expect((await demoConnection()).idpSsoUrl).toBe("http://localhost:4500/dev-idp");
  });

  it("leaves alone a demo connection an admin configured for another IdP", async () => {
    const connection = await demoConnection();
    await kit.prisma.ssoConnection.update({ where: { id: connection.id }, data: { idpEntityId: "https://idp.real.example/metadata" } });
    const before = await demoConnection();
    expect(await pointDemoAtDevelopmentIdp(kit.prisma, developmentIdpConnection("http://localhost:4000", keys))).toBe(false);
    expect(await demoConnection()).toEqual(before);
  });
});
