-- Each mapped SAML attribute accepts a list of names (the first present in a response wins), and new connections
-- accept the names common IdPs send. Existing connections keep exactly the name they had (no groups name: none).
ALTER TABLE "SsoConnection"
ADD COLUMN     "loginAttributes" TEXT[] DEFAULT ARRAY['login', 'username', 'preferred_username', 'uid', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn', 'urn:oid:0.9.2342.19200300.100.1.1']::TEXT[],
ADD COLUMN     "nameAttributes" TEXT[] DEFAULT ARRAY['name', 'displayName', 'http://schemas.microsoft.com/identity/claims/displayname', 'urn:oid:2.16.840.1.113730.3.1.241', 'cn']::TEXT[],
ADD COLUMN     "emailAttributes" TEXT[] DEFAULT ARRAY['email', 'mail', 'emailAddress', 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress', 'urn:oid:0.9.2342.19200300.100.1.3', 'urn:oid:1.2.840.113549.1.9.1']::TEXT[],
ADD COLUMN     "groupsAttributes" TEXT[] DEFAULT ARRAY['groups', 'group', 'memberOf', 'member', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups', 'urn:oid:1.3.6.1.4.1.5923.1.5.1.1', 'urn:oid:1.2.840.113556.1.2.102']::TEXT[],
ADD COLUMN     "firstLoginAt" TIMESTAMP(3),
ADD COLUMN     "groupsReceivedAt" TIMESTAMP(3);

UPDATE "SsoConnection" SET
  "loginAttributes" = ARRAY["loginAttribute"],
  "nameAttributes" = ARRAY["nameAttribute"],
  "emailAttributes" = ARRAY["emailAttribute"],
  "groupsAttributes" = CASE WHEN "groupsAttribute" IS NULL THEN ARRAY[]::TEXT[] ELSE ARRAY["groupsAttribute"] END;

ALTER TABLE "SsoConnection" DROP COLUMN "loginAttribute",
DROP COLUMN "nameAttribute",
DROP COLUMN "emailAttribute",
DROP COLUMN "groupsAttribute";
