-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "ssoSubject" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Account_enterpriseId_ssoSubject_key" ON "Account"("enterpriseId", "ssoSubject");

