-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "deactivatedAt" TIMESTAMP(3),
ADD COLUMN     "scimAttributes" JSONB,
ADD COLUMN     "scimExternalId" TEXT,
ADD COLUMN     "scimProvisionedAt" TIMESTAMP(3),
ADD COLUMN     "scimUpdatedAt" TIMESTAMP(3),
ADD COLUMN     "scimUserName" TEXT,
ADD COLUMN     "scimUserNameNormalized" TEXT;

-- AlterTable
ALTER TABLE "SsoConnection" ADD COLUMN     "lastScimRequestAt" TIMESTAMP(3);


-- CreateTable
CREATE TABLE "ScimToken" (
    "id" TEXT NOT NULL,
    "enterpriseId" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "lastFour" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ScimToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ScimGroup" (
    "id" TEXT NOT NULL,
    "enterpriseId" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "externalId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ScimGroup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ScimGroupMember" (
    "groupId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ScimGroupMember_pkey" PRIMARY KEY ("groupId","accountId")
);

-- CreateIndex
CREATE UNIQUE INDEX "ScimToken_hash_key" ON "ScimToken"("hash");

-- CreateIndex
CREATE INDEX "ScimToken_enterpriseId_idx" ON "ScimToken"("enterpriseId");

-- CreateIndex
CREATE UNIQUE INDEX "ScimGroup_enterpriseId_displayName_key" ON "ScimGroup"("enterpriseId", "displayName");

-- CreateIndex
CREATE INDEX "ScimGroupMember_accountId_idx" ON "ScimGroupMember"("accountId");

-- CreateIndex
CREATE INDEX "Account_enterpriseId_scimExternalId_idx" ON "Account"("enterpriseId", "scimExternalId");

-- CreateIndex
CREATE UNIQUE INDEX "Account_enterpriseId_scimUserNameNormalized_key" ON "Account"("enterpriseId", "scimUserNameNormalized");

-- AddForeignKey
ALTER TABLE "ScimToken" ADD CONSTRAINT "ScimToken_enterpriseId_fkey" FOREIGN KEY ("enterpriseId") REFERENCES "Enterprise"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ScimToken" ADD CONSTRAINT "ScimToken_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "Account"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ScimGroup" ADD CONSTRAINT "ScimGroup_enterpriseId_fkey" FOREIGN KEY ("enterpriseId") REFERENCES "Enterprise"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ScimGroupMember" ADD CONSTRAINT "ScimGroupMember_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "ScimGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ScimGroupMember" ADD CONSTRAINT "ScimGroupMember_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

