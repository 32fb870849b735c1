-- CreateTable
CREATE TABLE "EnterpriseMember" (
    "enterpriseId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "memberships" INTEGER NOT NULL,

    CONSTRAINT "EnterpriseMember_pkey" PRIMARY KEY ("enterpriseId","accountId")
);

-- CreateIndex
CREATE INDEX "EnterpriseMember_accountId_idx" ON "EnterpriseMember"("accountId");

-- AddForeignKey
ALTER TABLE "EnterpriseMember" ADD CONSTRAINT "EnterpriseMember_enterpriseId_fkey" FOREIGN KEY ("enterpriseId") REFERENCES "Enterprise"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EnterpriseMember" ADD CONSTRAINT "EnterpriseMember_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Prisma's migration engine (over the driver adapter) cuts a migration at every semicolon, in quoted function bodies
-- and comments too: the function bodies below are escape strings (E'…') whose semicolons are written \073, and
-- comments use none.

-- EnterpriseMember is derived data, kept by the triggers below in the same transaction as every change it depends
-- on: the application never writes it. A row says that the account has `memberships` memberships (direct, or
-- through a group) in organizations of the enterprise, and exists exactly while that number is above zero.
-- The membership triggers run once per statement, on its transition tables: a directory import inserting 100,000
-- memberships changes each account's row once. Changes are signed counts added by an upsert in key order, so that
-- concurrent transactions add to a row instead of overwriting each other's count, and lock rows in the same order.

-- Adds each signed count to its (enterprise, account) row, then removes the rows of those pairs that reached zero.
CREATE FUNCTION "enterprise_member_add"(enterprise_ids text[], account_ids text[], deltas int[]) RETURNS void
LANGUAGE sql AS E'
  INSERT INTO "EnterpriseMember" ("enterpriseId", "accountId", "memberships")
  SELECT c.enterprise_id, c.account_id, sum(c.delta)::int
  FROM unnest(enterprise_ids, account_ids, deltas) AS c(enterprise_id, account_id, delta)
  GROUP BY c.enterprise_id, c.account_id
  HAVING sum(c.delta) <> 0
  ORDER BY c.enterprise_id, c.account_id
  ON CONFLICT ("enterpriseId", "accountId")
    DO UPDATE SET "memberships" = "EnterpriseMember"."memberships" + excluded."memberships"\073
  DELETE FROM "EnterpriseMember" e
  USING unnest(enterprise_ids, account_ids) AS c(enterprise_id, account_id)
  WHERE e."enterpriseId" = c.enterprise_id AND e."accountId" = c.account_id AND e."memberships" <= 0\073
';

CREATE FUNCTION "enterprise_member_org_membership_changed"() RETURNS trigger LANGUAGE plpgsql AS E'
DECLARE
  enterprise_ids text[] := ''{}''\073
  account_ids text[] := ''{}''\073
  deltas int[] := ''{}''\073
BEGIN
  IF TG_OP IN (''DELETE'', ''UPDATE'') THEN
    SELECT enterprise_ids || coalesce(array_agg(o."enterpriseId"), ''{}''), account_ids || coalesce(array_agg(r."accountId"), ''{}''),
           deltas || coalesce(array_agg(-1), ''{}'')
      INTO enterprise_ids, account_ids, deltas
      FROM "old_rows" r JOIN "Organization" o ON o."id" = r."organizationId"
      WHERE o."enterpriseId" IS NOT NULL\073
  END IF\073
  IF TG_OP IN (''INSERT'', ''UPDATE'') THEN
    SELECT enterprise_ids || coalesce(array_agg(o."enterpriseId"), ''{}''), account_ids || coalesce(array_agg(r."accountId"), ''{}''),
           deltas || coalesce(array_agg(1), ''{}'')
      INTO enterprise_ids, account_ids, deltas
      FROM "new_rows" r JOIN "Organization" o ON o."id" = r."organizationId"
      WHERE o."enterpriseId" IS NOT NULL\073
  END IF\073
  PERFORM "enterprise_member_add"(enterprise_ids, account_ids, deltas)\073
  RETURN NULL\073
END\073
';

CREATE FUNCTION "enterprise_member_group_membership_changed"() RETURNS trigger LANGUAGE plpgsql AS E'
DECLARE
  enterprise_ids text[] := ''{}''\073
  account_ids text[] := ''{}''\073
  deltas int[] := ''{}''\073
BEGIN
  IF TG_OP IN (''DELETE'', ''UPDATE'') THEN
    SELECT enterprise_ids || coalesce(array_agg(o."enterpriseId"), ''{}''), account_ids || coalesce(array_agg(r."accountId"), ''{}''),
           deltas || coalesce(array_agg(-1), ''{}'')
      INTO enterprise_ids, account_ids, deltas
      FROM "old_rows" r JOIN "Group" g ON g."id" = r."groupId" JOIN "Organization" o ON o."id" = g."organizationId"
      WHERE o."enterpriseId" IS NOT NULL\073
  END IF\073
  IF TG_OP IN (''INSERT'', ''UPDATE'') THEN
    SELECT enterprise_ids || coalesce(array_agg(o."enterpriseId"), ''{}''), account_ids || coalesce(array_agg(r."accountId"), ''{}''),
           deltas || coalesce(array_agg(1), ''{}'')
      INTO enterprise_ids, account_ids, deltas
      FROM "new_rows" r JOIN "Group" g ON g."id" = r."groupId" JOIN "Organization" o ON o."id" = g."organizationId"
      WHERE o."enterpriseId" IS NOT NULL\073
  END IF\073
  PERFORM "enterprise_member_add"(enterprise_ids, account_ids, deltas)\073
  RETURN NULL\073
END\073
';

-- An organization that changes enterprise takes its members' counts (direct and through its groups) along.
CREATE FUNCTION "enterprise_member_organization_moved"() RETURNS trigger LANGUAGE plpgsql AS E'
DECLARE
  members text[]\073
BEGIN
  SELECT coalesce(array_agg(x."accountId"), ''{}'') INTO members FROM (
    SELECT m."accountId" FROM "OrgMembership" m WHERE m."organizationId" = NEW."id"
    UNION ALL
    SELECT gm."accountId" FROM "GroupMembership" gm JOIN "Group" g ON g."id" = gm."groupId" WHERE g."organizationId" = NEW."id"
  ) x\073
  IF OLD."enterpriseId" IS NOT NULL THEN
    PERFORM "enterprise_member_add"(array_fill(OLD."enterpriseId", ARRAY[cardinality(members)]), members, array_fill(-1, ARRAY[cardinality(members)]))\073
  END IF\073
  IF NEW."enterpriseId" IS NOT NULL THEN
    PERFORM "enterprise_member_add"(array_fill(NEW."enterpriseId", ARRAY[cardinality(members)]), members, array_fill(1, ARRAY[cardinality(members)]))\073
  END IF\073
  RETURN NULL\073
END\073
';

-- A group that changes organization takes its members' counts to the new organization's enterprise.
CREATE FUNCTION "enterprise_member_group_moved"() RETURNS trigger LANGUAGE plpgsql AS E'
DECLARE
  members text[]\073
  old_enterprise text\073
  new_enterprise text\073
BEGIN
  SELECT coalesce(array_agg(gm."accountId"), ''{}'') INTO members FROM "GroupMembership" gm WHERE gm."groupId" = NEW."id"\073
  SELECT o."enterpriseId" INTO old_enterprise FROM "Organization" o WHERE o."id" = OLD."organizationId"\073
  SELECT o."enterpriseId" INTO new_enterprise FROM "Organization" o WHERE o."id" = NEW."organizationId"\073
  IF old_enterprise IS NOT NULL THEN
    PERFORM "enterprise_member_add"(array_fill(old_enterprise, ARRAY[cardinality(members)]), members, array_fill(-1, ARRAY[cardinality(members)]))\073
  END IF\073
  IF new_enterprise IS NOT NULL THEN
    PERFORM "enterprise_member_add"(array_fill(new_enterprise, ARRAY[cardinality(members)]), members, array_fill(1, ARRAY[cardinality(members)]))\073
  END IF\073
  RETURN NULL\073
END\073
';

-- Transition tables allow one event per trigger: three per membership table.
CREATE TRIGGER "OrgMembership_enterprise_member_insert" AFTER INSERT ON "OrgMembership"
  REFERENCING NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "enterprise_member_org_membership_changed"();
CREATE TRIGGER "OrgMembership_enterprise_member_delete" AFTER DELETE ON "OrgMembership"
  REFERENCING OLD TABLE AS "old_rows" FOR EACH STATEMENT EXECUTE FUNCTION "enterprise_member_org_membership_changed"();
CREATE TRIGGER "OrgMembership_enterprise_member_update" AFTER UPDATE ON "OrgMembership"
  REFERENCING OLD TABLE AS "old_rows" NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "enterprise_member_org_membership_changed"();
CREATE TRIGGER "GroupMembership_enterprise_member_insert" AFTER INSERT ON "GroupMembership"
  REFERENCING NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "enterprise_member_group_membership_changed"();
CREATE TRIGGER "GroupMembership_enterprise_member_delete" AFTER DELETE ON "GroupMembership"
  REFERENCING OLD TABLE AS "old_rows" FOR EACH STATEMENT EXECUTE FUNCTION "enterprise_member_group_membership_changed"();
CREATE TRIGGER "GroupMembership_enterprise_member_update" AFTER UPDATE ON "GroupMembership"
  REFERENCING OLD TABLE AS "old_rows" NEW TABLE AS "new_rows" FOR EACH STATEMENT EXECUTE FUNCTION "enterprise_member_group_membership_changed"();
CREATE TRIGGER "Organization_enterprise_member_moved" AFTER UPDATE OF "enterpriseId" ON "Organization"
  FOR EACH ROW WHEN (OLD."enterpriseId" IS DISTINCT FROM NEW."enterpriseId") EXECUTE FUNCTION "enterprise_member_organization_moved"();
CREATE TRIGGER "Group_enterprise_member_moved" AFTER UPDATE OF "organizationId" ON "Group"
  FOR EACH ROW WHEN (OLD."organizationId" IS DISTINCT FROM NEW."organizationId") EXECUTE FUNCTION "enterprise_member_group_moved"();

-- The rows of the memberships that exist already.
INSERT INTO "EnterpriseMember" ("enterpriseId", "accountId", "memberships")
SELECT o."enterpriseId", x."accountId", count(*)::int
FROM (
  SELECT m."accountId", m."organizationId" FROM "OrgMembership" m
  UNION ALL
  SELECT gm."accountId", g."organizationId" FROM "GroupMembership" gm JOIN "Group" g ON g."id" = gm."groupId"
) x JOIN "Organization" o ON o."id" = x."organizationId"
WHERE o."enterpriseId" IS NOT NULL
GROUP BY o."enterpriseId", x."accountId";
