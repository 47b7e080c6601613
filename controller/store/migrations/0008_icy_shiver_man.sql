ALTER TABLE `api_tokens` ADD `mosquitto_hash` text;--> statement-breakpoint
ALTER TABLE `labels` ADD `recent_hashes` text;