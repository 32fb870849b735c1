-- AlterTable
ALTER TABLE "RecoveryCredential" ADD COLUMN     "failedAttempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "failureWindowStartedAt" TIMESTAMP(3),
ADD COLUMN     "usedAt" TIMESTAMP(3);


-- R16: email-shaped NameIDs are compared case-insensitively and stored lower-cased. Existing ones are lower-cased
-- unless that would collide with another account of the enterprise (such duplicates are matched by the login
-- case-insensitively, oldest account first, and left for an admin to review).
UPDATE "Account" AS a
SET "ssoSubject" = lower(a."ssoSubject")
WHERE a."ssoSubject" ~ '^[^[:space:]@]+@[^[:space:]@]+$'
  AND a."ssoSubject" <> lower(a."ssoSubject")
  AND NOT EXISTS (
    SELECT 1 FROM "Account" AS b
    WHERE b."enterpriseId" = a."enterpriseId" AND b."id" <> a."id" AND lower(b."ssoSubject") = lower(a."ssoSubject")
  );
