-- modify "sync_conflicts" table
ALTER TABLE "sync_conflicts" ADD COLUMN "occurrence_start" timestamptz NULL;
