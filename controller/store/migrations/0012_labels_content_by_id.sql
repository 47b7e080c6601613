-- label_contents loses its primary key on the hash: its rows are appended by id and a label names
-- the row of its content (labels.content_id), so a reprice's 50,000 new hashes are not inserted into
-- a random-keyed index (store/schema.ts says why). The rows keep their rowids as ids; each label is
-- pointed at the row of its hash through an index made for this statement only.
CREATE TABLE `__new_label_contents` (
	`id` integer PRIMARY KEY NOT NULL,
	`content_hash` text NOT NULL,
	`shown_json` text NOT NULL,
	`net_quantity` text,
	`unit` text,
	`published_at` integer NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_label_contents`(`id`, `content_hash`, `shown_json`, `net_quantity`, `unit`, `published_at`) SELECT `rowid`, `content_hash`, `shown_json`, `net_quantity`, `unit`, `published_at` FROM `label_contents` ORDER BY `rowid`;--> statement-breakpoint
DROP TABLE `label_contents`;--> statement-breakpoint
ALTER TABLE `__new_label_contents` RENAME TO `label_contents`;--> statement-breakpoint
ALTER TABLE `labels` ADD `content_id` integer;--> statement-breakpoint
CREATE INDEX `label_contents_hash_0012` ON `label_contents` (`content_hash`);--> statement-breakpoint
UPDATE `labels` SET `content_id` = (SELECT `c`.`id` FROM `label_contents` `c` WHERE `c`.`content_hash` = `labels`.`content_hash`) WHERE `content_hash` IS NOT NULL;--> statement-breakpoint
DROP INDEX `label_contents_hash_0012`;
