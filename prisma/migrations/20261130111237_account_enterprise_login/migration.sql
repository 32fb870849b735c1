-- DropIndex
DROP INDEX "Account_enterpriseId_idx";

-- CreateIndex
CREATE INDEX "Account_enterpriseId_login_idx" ON "Account"("enterpriseId", "login");

