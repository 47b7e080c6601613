ALTER TABLE `products` ADD `search_text` text;--> statement-breakpoint
CREATE INDEX `products_name_order` ON `products` ("name" COLLATE NOCASE,`sku`,`gtin`,`search_text`);--> statement-breakpoint
CREATE INDEX `products_gtin` ON `products` (`gtin`);--> statement-breakpoint
-- Fold the products already in the store (shelfsync_search_fold is registered by store/db.ts).
UPDATE `products` SET `search_text` = shelfsync_search_fold(`name`, `brand`);
