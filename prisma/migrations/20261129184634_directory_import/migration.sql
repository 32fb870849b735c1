-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "externalId" TEXT;

-- AlterTable
ALTER TABLE "Token" ADD COLUMN     "importedAt" TIMESTAMP(3);
