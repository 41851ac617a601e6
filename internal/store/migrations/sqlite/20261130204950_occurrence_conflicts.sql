-- add column "occurrence_start" to table: "sync_conflicts"
ALTER TABLE `sync_conflicts` ADD COLUMN `occurrence_start` datetime NULL;
