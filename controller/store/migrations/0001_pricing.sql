CREATE TABLE `api_tokens` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `approvals` (
	`approval_id` text PRIMARY KEY NOT NULL,
	`change` text DEFAULT 'price' NOT NULL,
	`sku` text NOT NULL,
	`current_amount_minor` integer,
	`current_currency` text,
	`proposed_amount_minor` integer NOT NULL,
	`proposed_currency` text NOT NULL,
	`effective_from` integer,
	`effective_to` integer,
	`reason` text NOT NULL,
	`source` text NOT NULL,
	`feed_sequence` integer,
	`author` text,
	`change_reason` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`decided_by` text,
	`decided_at` integer,
	`decision_reason` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`sku`) REFERENCES `products`(`sku`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `approvals_status` ON `approvals` (`status`);--> statement-breakpoint
CREATE INDEX `approvals_sku` ON `approvals` (`sku`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`entity` text NOT NULL,
	`entity_id` text,
	`reason` text,
	`before_json` text,
	`after_json` text
);
--> statement-breakpoint
CREATE INDEX `audit_entity` ON `audit_log` (`entity`,`entity_id`);--> statement-breakpoint
CREATE TABLE `price_overrides` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`sku` text NOT NULL,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`start` integer NOT NULL,
	`end` integer,
	`author` text NOT NULL,
	`reason` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`sku`) REFERENCES `products`(`sku`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `price_overrides_sku` ON `price_overrides` (`sku`);--> statement-breakpoint
CREATE TABLE `promotion_skus` (
	`promotion_id` text NOT NULL,
	`sku` text NOT NULL,
	FOREIGN KEY (`promotion_id`) REFERENCES `promotions`(`promotion_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `promotion_skus_pk` ON `promotion_skus` (`promotion_id`,`sku`);--> statement-breakpoint
CREATE INDEX `promotion_skus_sku` ON `promotion_skus` (`sku`);--> statement-breakpoint
CREATE TABLE `promotions` (
	`promotion_id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`skus_json` text NOT NULL,
	`category` text,
	`value` text NOT NULL,
	`buy_quantity` integer,
	`currency` text,
	`start` integer NOT NULL,
	`end` integer,
	`priority` integer DEFAULT 0 NOT NULL,
	`source` text NOT NULL,
	`author` text,
	`reason` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer,
	`feed_sequence` integer
);
--> statement-breakpoint
CREATE INDEX `promotions_end` ON `promotions` (`end`);