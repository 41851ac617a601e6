-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_event_links" table
CREATE TABLE `new_event_links` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `booking_ref` integer NOT NULL, `calendar_id` text NOT NULL, `provider_event_id` text NULL, `ical_uid` text NULL, `etag` text NULL, `content_hash` text NULL, `field_hashes` json NULL, `generation` integer NOT NULL DEFAULT (0), `event_key` text NULL, `state` text NOT NULL DEFAULT ('PENDING'), `last_error` text NULL, `origin` text NOT NULL DEFAULT ('CALSYNC'), `agreed` json NULL, `seen` bool NOT NULL DEFAULT (false), `organization_id` integer NOT NULL, `booking_id` integer NULL, `user_id` integer NOT NULL, `account_id` integer NOT NULL, CONSTRAINT `event_links_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `event_links_bookings_booking` FOREIGN KEY (`booking_id`) REFERENCES `bookings` (`id`) ON DELETE SET NULL, CONSTRAINT `event_links_users_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION, CONSTRAINT `event_links_calendar_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `calendar_accounts` (`id`) ON DELETE NO ACTION);
-- set sequence for "new_event_links" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("new_event_links", 25769803776);
-- copy rows from old table "event_links" to new temporary table "new_event_links"
INSERT INTO `new_event_links` (`id`, `created_at`, `updated_at`, `booking_ref`, `calendar_id`, `provider_event_id`, `ical_uid`, `etag`, `content_hash`, `field_hashes`, `generation`, `event_key`, `state`, `last_error`, `organization_id`, `booking_id`, `user_id`, `account_id`) SELECT `id`, `created_at`, `updated_at`, `booking_ref`, `calendar_id`, `provider_event_id`, `ical_uid`, `etag`, `content_hash`, `field_hashes`, `generation`, `event_key`, `state`, `last_error`, `organization_id`, `booking_id`, `user_id`, `account_id` FROM `event_links`;
-- drop "event_links" table after copying rows
DROP TABLE `event_links`;
-- rename temporary table "new_event_links" to "event_links"
ALTER TABLE `new_event_links` RENAME TO `event_links`;
-- create index "eventlink_organization_id" to table: "event_links"
CREATE INDEX `eventlink_organization_id` ON `event_links` (`organization_id`);
-- create index "eventlink_account_id_calendar_id_booking_ref_user_id" to table: "event_links"
CREATE UNIQUE INDEX `eventlink_account_id_calendar_id_booking_ref_user_id` ON `event_links` (`account_id`, `calendar_id`, `booking_ref`, `user_id`);
-- create index "eventlink_account_id_provider_event_id" to table: "event_links"
CREATE INDEX `eventlink_account_id_provider_event_id` ON `event_links` (`account_id`, `provider_event_id`);
-- create index "eventlink_booking_ref" to table: "event_links"
CREATE INDEX `eventlink_booking_ref` ON `event_links` (`booking_ref`);
-- create "new_provider_calendars" table
CREATE TABLE `new_provider_calendars` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `calendar_id` text NOT NULL, `name` text NOT NULL, `primary` bool NOT NULL DEFAULT (false), `color` text NULL, `selected` bool NOT NULL DEFAULT (false), `reads_back` bool NOT NULL DEFAULT (false), `sync_cursor` text NULL, `access_role` text NULL, `channel_id` text NULL, `channel_resource_id` text NULL, `channel_token` text NULL, `channel_expires_at` datetime NULL, `channel_message` integer NOT NULL DEFAULT (0), `channel_retry_at` datetime NULL, `read_requested` integer NOT NULL DEFAULT (0), `read_done` integer NOT NULL DEFAULT (0), `read_gen` integer NOT NULL DEFAULT (0), `window_from` datetime NULL, `window_to` datetime NULL, `next_poll_at` datetime NULL, `last_read_at` datetime NULL, `last_read_error` text NULL, `organization_id` integer NOT NULL, `account_id` integer NOT NULL, CONSTRAINT `provider_calendars_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `provider_calendars_calendar_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `calendar_accounts` (`id`) ON DELETE NO ACTION);
-- set sequence for "new_provider_calendars" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("new_provider_calendars", 42949672960);
-- copy rows from old table "provider_calendars" to new temporary table "new_provider_calendars"
INSERT INTO `new_provider_calendars` (`id`, `created_at`, `updated_at`, `calendar_id`, `name`, `primary`, `color`, `selected`, `sync_cursor`, `access_role`, `channel_id`, `channel_resource_id`, `channel_token`, `channel_expires_at`, `channel_message`, `channel_retry_at`, `read_requested`, `read_done`, `read_gen`, `window_from`, `window_to`, `next_poll_at`, `last_read_at`, `last_read_error`, `organization_id`, `account_id`) SELECT `id`, `created_at`, `updated_at`, `calendar_id`, `name`, `primary`, `color`, `selected`, `sync_cursor`, `access_role`, `channel_id`, `channel_resource_id`, `channel_token`, `channel_expires_at`, `channel_message`, `channel_retry_at`, `read_requested`, `read_done`, `read_gen`, `window_from`, `window_to`, `next_poll_at`, `last_read_at`, `last_read_error`, `organization_id`, `account_id` FROM `provider_calendars`;
-- drop "provider_calendars" table after copying rows
DROP TABLE `provider_calendars`;
-- rename temporary table "new_provider_calendars" to "provider_calendars"
ALTER TABLE `new_provider_calendars` RENAME TO `provider_calendars`;
-- create index "providercalendar_organization_id" to table: "provider_calendars"
CREATE INDEX `providercalendar_organization_id` ON `provider_calendars` (`organization_id`);
-- create index "providercalendar_account_id_calendar_id" to table: "provider_calendars"
CREATE UNIQUE INDEX `providercalendar_account_id_calendar_id` ON `provider_calendars` (`account_id`, `calendar_id`);
-- create index "providercalendar_channel_id" to table: "provider_calendars"
CREATE INDEX `providercalendar_channel_id` ON `provider_calendars` (`channel_id`);
-- create index "providercalendar_selected_next_poll_at" to table: "provider_calendars"
CREATE INDEX `providercalendar_selected_next_poll_at` ON `provider_calendars` (`selected`, `next_poll_at`);
-- create "sync_conflicts" table
CREATE TABLE `sync_conflicts` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `provider` text NOT NULL, `calsync_version` json NOT NULL, `provider_version` json NOT NULL, `provider_etag` text NULL, `calsync_changed` json NULL, `provider_changed` json NULL, `state` text NOT NULL DEFAULT ('OPEN'), `resolution` text NULL, `resolved_at` datetime NULL, `organization_id` integer NOT NULL, `booking_id` integer NULL, `user_id` integer NOT NULL, `link_id` integer NULL, `resolved_by_id` integer NULL, CONSTRAINT `sync_conflicts_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `sync_conflicts_bookings_booking` FOREIGN KEY (`booking_id`) REFERENCES `bookings` (`id`) ON DELETE SET NULL, CONSTRAINT `sync_conflicts_users_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE, CONSTRAINT `sync_conflicts_event_links_link` FOREIGN KEY (`link_id`) REFERENCES `event_links` (`id`) ON DELETE SET NULL, CONSTRAINT `sync_conflicts_users_resolved_by` FOREIGN KEY (`resolved_by_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- set sequence for "sync_conflicts" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("sync_conflicts", 85899345920);
-- create index "syncconflict_organization_id" to table: "sync_conflicts"
CREATE INDEX `syncconflict_organization_id` ON `sync_conflicts` (`organization_id`);
-- create index "syncconflict_link_id_state" to table: "sync_conflicts"
CREATE INDEX `syncconflict_link_id_state` ON `sync_conflicts` (`link_id`, `state`);
-- create index "syncconflict_organization_id_state_created_at" to table: "sync_conflicts"
CREATE INDEX `syncconflict_organization_id_state_created_at` ON `sync_conflicts` (`organization_id`, `state`, `created_at`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
