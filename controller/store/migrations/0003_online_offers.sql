CREATE TABLE `feed_pulls` (
	`feed` text PRIMARY KEY NOT NULL,
	`url` text NOT NULL,
	`etag` text,
	`last_modified` text,
	`fetched_at` integer,
	`changed_at` integer,
	`status` integer,
	`error` text,
	`sequence` integer
);
--> statement-breakpoint
CREATE TABLE `online_offers` (
	`feed` text NOT NULL,
	`item_id` text NOT NULL,
	`sku` text,
	`offer_json` text,
	`problems_json` text,
	`line` integer NOT NULL,
	`sequence` integer NOT NULL,
	`mode` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `online_offers_pk` ON `online_offers` (`feed`,`item_id`);--> statement-breakpoint
CREATE INDEX `online_offers_sku` ON `online_offers` (`feed`,`sku`);--> statement-breakpoint
CREATE INDEX `online_offers_sequence` ON `online_offers` (`feed`,`sequence`);