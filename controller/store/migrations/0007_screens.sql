CREATE TABLE `screen_plays` (
	`play_id` text PRIMARY KEY NOT NULL,
	`screen_id` text NOT NULL,
	`item_index` integer NOT NULL,
	`kind` text NOT NULL,
	`sku` text,
	`content_hash` text,
	`start_at` integer NOT NULL,
	`end_at` integer NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `screen_plays_screen_start` ON `screen_plays` (`screen_id`,`start_at`);--> statement-breakpoint
CREATE TABLE `screens` (
	`screen_id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`paired_at` integer NOT NULL,
	`playlist_json` text DEFAULT '[]' NOT NULL,
	`playlist_version` integer DEFAULT 0 NOT NULL,
	`last_seen_at` integer,
	`playing_json` text,
	`errors_json` text
);
