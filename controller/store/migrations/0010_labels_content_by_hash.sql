-- A label's published content is kept once per hash in label_contents (labels/label-sync.ts writes it
-- there) and its payload rebuilt from it on read; the copy in every label row made each reprice write
-- it twice and every scan of labels read ~40 MB. Contents published before label_contents existed
-- are kept by hash first (the shown part of the payload, with the product's quantity now).
INSERT OR IGNORE INTO `label_contents` (`content_hash`, `shown_json`, `net_quantity`, `unit`, `published_at`)
SELECT l.`content_hash`, json_remove(l.`content_json`, '$.v', '$.labelId', '$.contentHash', '$.version'),
  p.`net_quantity`, p.`unit`, l.`created_at`
FROM `labels` l LEFT JOIN `products` p ON p.`sku` = l.`sku`
WHERE l.`content_hash` IS NOT NULL AND l.`content_json` IS NOT NULL;
--> statement-breakpoint
ALTER TABLE `labels` DROP COLUMN `content_json`;
