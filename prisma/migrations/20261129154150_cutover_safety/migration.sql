-- CreateTable
CREATE TABLE "SsoGroupMapping" (
    "id" TEXT NOT NULL,
    "ssoConnectionId" TEXT NOT NULL,
    "idpGroup" TEXT NOT NULL,
    "groupId" TEXT NOT NULL,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SsoGroupMapping_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccessLossAcknowledgement" (
    "id" TEXT NOT NULL,
    "enterpriseId" TEXT NOT NULL,
    "devopsAccountId" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "acknowledgedById" TEXT,
    "acknowledgedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AccessLossAcknowledgement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LastAdminRetention" (
    "id" TEXT NOT NULL,
    "enterpriseId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "retainedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LastAdminRetention_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SsoGroupMapping_groupId_idx" ON "SsoGroupMapping"("groupId");

-- CreateIndex
CREATE UNIQUE INDEX "SsoGroupMapping_ssoConnectionId_idpGroup_groupId_key" ON "SsoGroupMapping"("ssoConnectionId", "idpGroup", "groupId");

-- CreateIndex
CREATE INDEX "AccessLossAcknowledgement_enterpriseId_idx" ON "AccessLossAcknowledgement"("enterpriseId");

-- CreateIndex
CREATE UNIQUE INDEX "AccessLossAcknowledgement_devopsAccountId_organizationId_key" ON "AccessLossAcknowledgement"("devopsAccountId", "organizationId");

-- CreateIndex
CREATE INDEX "LastAdminRetention_enterpriseId_idx" ON "LastAdminRetention"("enterpriseId");

-- CreateIndex
CREATE UNIQUE INDEX "LastAdminRetention_accountId_organizationId_key" ON "LastAdminRetention"("accountId", "organizationId");

-- AddForeignKey
ALTER TABLE "SsoGroupMapping" ADD CONSTRAINT "SsoGroupMapping_ssoConnectionId_fkey" FOREIGN KEY ("ssoConnectionId") REFERENCES "SsoConnection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SsoGroupMapping" ADD CONSTRAINT "SsoGroupMapping_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "Group"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SsoGroupMapping" ADD CONSTRAINT "SsoGroupMapping_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "Account"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessLossAcknowledgement" ADD CONSTRAINT "AccessLossAcknowledgement_enterpriseId_fkey" FOREIGN KEY ("enterpriseId") REFERENCES "Enterprise"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessLossAcknowledgement" ADD CONSTRAINT "AccessLossAcknowledgement_devopsAccountId_fkey" FOREIGN KEY ("devopsAccountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessLossAcknowledgement" ADD CONSTRAINT "AccessLossAcknowledgement_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AccessLossAcknowledgement" ADD CONSTRAINT "AccessLossAcknowledgement_acknowledgedById_fkey" FOREIGN KEY ("acknowledgedById") REFERENCES "Account"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LastAdminRetention" ADD CONSTRAINT "LastAdminRetention_enterpriseId_fkey" FOREIGN KEY ("enterpriseId") REFERENCES "Enterprise"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LastAdminRetention" ADD CONSTRAINT "LastAdminRetention_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LastAdminRetention" ADD CONSTRAINT "LastAdminRetention_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

