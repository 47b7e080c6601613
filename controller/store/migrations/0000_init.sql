CREATE TABLE `bridges` (
	`bridge_id` text PRIMARY KEY NOT NULL,
	`kind` text,
	`online` integer DEFAULT false NOT NULL,
	`changed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `feed_batches` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`feed` text NOT NULL,
	`sequence` integer NOT NULL,
	`format` text NOT NULL,
	`rows_read` integer NOT NULL,
	`rows_changed` integer NOT NULL,
	`labels_affected` integer DEFAULT 0 NOT NULL,
	`applied_at` integer NOT NULL,
	`duration_ms` real
);
--> statement-breakpoint
CREATE UNIQUE INDEX `feed_batches_feed_sequence` ON `feed_batches` (`feed`,`sequence`);--> statement-breakpoint
CREATE TABLE `labels` (
	`label_id` text PRIMARY KEY NOT NULL,
	`model` text,
	`width` integer,
	`height` integer,
	`colors` text,
	`bridge_id` text,
	`sku` text,
	`content_hash` text,
	`content_version` integer DEFAULT 0 NOT NULL,
	`content_json` text,
	`displayed_hash` text,
	`displayed_version` integer,
	`battery` real,
	`rssi` real,
	`last_seen` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`sku`) REFERENCES `products`(`sku`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `labels_sku` ON `labels` (`sku`);--> statement-breakpoint
CREATE TABLE `price_history` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`sku` text NOT NULL,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`effective_from` integer NOT NULL,
	`effective_to` integer,
	`feed` text DEFAULT 'prices' NOT NULL,
	`feed_sequence` integer NOT NULL,
	`recorded_at` integer NOT NULL,
	FOREIGN KEY (`sku`) REFERENCES `products`(`sku`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `price_history_sku_from_seq` ON `price_history` (`sku`,`effective_from`,`feed_sequence`);--> statement-breakpoint
CREATE TABLE `products` (
	`sku` text PRIMARY KEY NOT NULL,
	`gtin` text,
	`name` text NOT NULL,
	`brand` text,
	`net_quantity` text,
	`unit` text,
	`category` text,
	`url` text,
	`updated_at` integer NOT NULL,
	`feed_sequence` integer
);
--> statement-breakpoint
CREATE TABLE `stock` (
	`sku` text PRIMARY KEY NOT NULL,
	`on_hand` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`feed_sequence` integer,
	FOREIGN KEY (`sku`) REFERENCES `products`(`sku`) ON UPDATE no action ON DELETE no action
);
