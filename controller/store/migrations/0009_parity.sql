CREATE TABLE `label_contents` (
	`content_hash` text PRIMARY KEY NOT NULL,
	`shown_json` text NOT NULL,
	`net_quantity` text,
	`unit` text,
	`published_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `parity_audits` (
	`audit_id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`store_code` text NOT NULL,
	`status` text NOT NULL,
	`error` text,
	`source_json` text NOT NULL,
	`compared` integer DEFAULT 0 NOT NULL,
	`at_parity` integer DEFAULT 0 NOT NULL,
	`mismatched` integer DEFAULT 0 NOT NULL,
	`not_online` integer DEFAULT 0 NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE TABLE `parity_mismatches` (
	`audit_id` integer NOT NULL,
	`sku` text NOT NULL,
	`reason` text NOT NULL,
	`label_ids_json` text NOT NULL,
	`online_json` text,
	`shelf_json` text,
	`since` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `parity_mismatches_pk` ON `parity_mismatches` (`audit_id`,`sku`,`reason`);