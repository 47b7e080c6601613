CREATE TABLE `screen_media` (
	`hash` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`size` integer NOT NULL,
	`name` text NOT NULL,
	`uploaded_at` integer NOT NULL,
	`uploaded_by` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `screen_plays` ADD `zone` text;--> statement-breakpoint
ALTER TABLE `screen_plays` ADD `playlist` text;--> statement-breakpoint
CREATE INDEX `screen_plays_received` ON `screen_plays` (`received_at`);--> statement-breakpoint
ALTER TABLE `screens` ADD `program_json` text;