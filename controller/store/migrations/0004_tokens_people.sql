ALTER TABLE `api_tokens` ADD `revoked_at` integer;--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `last_used_at` integer;--> statement-breakpoint
-- Roles are now viewer, staff, manager, ops, bridge, screen: the old `device` role was a bridge's.
UPDATE `api_tokens` SET `role` = 'bridge' WHERE `role` = 'device';--> statement-breakpoint
-- Anything else unknown keeps its row but can no longer sign in.
UPDATE `api_tokens` SET `revoked_at` = `created_at` WHERE `role` NOT IN ('viewer', 'staff', 'manager', 'ops', 'bridge', 'screen');--> statement-breakpoint
-- An active name must be unique (it is what `revoke <name>` and the audit log name): of tokens that
-- shared a name (SHELFSYNC_ADMIN_TOKEN changed between starts), the newest stays, older ones are revoked.
UPDATE `api_tokens` SET `revoked_at` = `created_at`
WHERE `revoked_at` IS NULL AND EXISTS (
  SELECT 1 FROM `api_tokens` AS newer
  WHERE newer.`name` = `api_tokens`.`name` AND newer.`revoked_at` IS NULL
    AND (newer.`created_at` > `api_tokens`.`created_at`
      OR (newer.`created_at` = `api_tokens`.`created_at` AND newer.`token_hash` > `api_tokens`.`token_hash`))
);--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_active_name` ON `api_tokens` (`name`) WHERE revoked_at IS NULL;
