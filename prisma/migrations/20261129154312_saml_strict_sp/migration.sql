-- AlterTable: the single IdP certificate becomes a list (rotation), keeping every existing certificate.
ALTER TABLE "SsoConnection" ADD COLUMN     "idpCertificates" TEXT[];
UPDATE "SsoConnection" SET "idpCertificates" = ARRAY["idpCertificate"];
ALTER TABLE "SsoConnection" DROP COLUMN "idpCertificate";

-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN     "aggregationKey" TEXT;

-- AlterTable
ALTER TABLE "SamlRequest" ADD COLUMN     "clientAddressHash" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "AuditEvent_aggregationKey_key" ON "AuditEvent"("aggregationKey");

-- CreateIndex
CREATE INDEX "SamlRequest_clientAddressHash_createdAt_idx" ON "SamlRequest"("clientAddressHash", "createdAt");
