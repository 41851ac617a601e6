-- modify "bookings" table
ALTER TABLE "bookings" ADD COLUMN "moved_occurrences" jsonb NULL;
