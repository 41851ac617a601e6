-- add column "moved_occurrences" to table: "bookings"
ALTER TABLE `bookings` ADD COLUMN `moved_occurrences` json NULL;
