-- create "audit_events" table
CREATE TABLE `audit_events` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `action` text NOT NULL, `target_type` text NOT NULL, `target_id` integer NULL, `changes` json NULL, `organization_id` integer NOT NULL, `actor_id` integer NULL, CONSTRAINT `audit_events_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `audit_events_users_actor` FOREIGN KEY (`actor_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- create index "auditevent_organization_id" to table: "audit_events"
CREATE INDEX `auditevent_organization_id` ON `audit_events` (`organization_id`);
-- create index "auditevent_organization_id_created_at" to table: "audit_events"
CREATE INDEX `auditevent_organization_id_created_at` ON `audit_events` (`organization_id`, `created_at`);
-- create "auth_tokens" table
CREATE TABLE `auth_tokens` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `kind` text NOT NULL, `token_hash` text NOT NULL, `name` text NULL, `expires_at` datetime NOT NULL, `revoked_at` datetime NULL, `last_used_at` datetime NULL, `organization_id` integer NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `auth_tokens_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `auth_tokens_users_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE);
-- set sequence for "auth_tokens" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("auth_tokens", 4294967296);
-- create index "auth_tokens_token_hash_key" to table: "auth_tokens"
CREATE UNIQUE INDEX `auth_tokens_token_hash_key` ON `auth_tokens` (`token_hash`);
-- create index "authtoken_organization_id" to table: "auth_tokens"
CREATE INDEX `authtoken_organization_id` ON `auth_tokens` (`organization_id`);
-- create "bookings" table
CREATE TABLE `bookings` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `title` text NOT NULL, `start_at` datetime NOT NULL, `end_at` datetime NOT NULL, `time_zone` text NOT NULL DEFAULT ('UTC'), `all_day` bool NOT NULL DEFAULT (false), `recurrence` text NULL, `recurrence_exceptions` json NULL, `published` bool NOT NULL DEFAULT (true), `cancelled_at` datetime NULL, `cancel_reason` text NULL, `customer_name` text NULL, `customer_business_name` text NULL, `customer_email` text NULL, `customer_phone` text NULL, `addresses` json NULL, `suburb` text NULL, `service_name` text NULL, `service_description` text NULL, `amount` text NULL, `currency` text NULL, `custom_properties` json NULL, `session_link` text NULL, `organization_id` integer NOT NULL, `status_id` integer NULL, `type_id` integer NULL, `created_by_id` integer NULL, CONSTRAINT `bookings_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `bookings_booking_status_status` FOREIGN KEY (`status_id`) REFERENCES `booking_status` (`id`) ON DELETE RESTRICT, CONSTRAINT `bookings_booking_types_type` FOREIGN KEY (`type_id`) REFERENCES `booking_types` (`id`) ON DELETE RESTRICT, CONSTRAINT `bookings_users_created_by` FOREIGN KEY (`created_by_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- set sequence for "bookings" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("bookings", 8589934592);
-- create index "booking_organization_id" to table: "bookings"
CREATE INDEX `booking_organization_id` ON `bookings` (`organization_id`);
-- create index "booking_organization_id_start_at" to table: "bookings"
CREATE INDEX `booking_organization_id_start_at` ON `bookings` (`organization_id`, `start_at`);
-- create index "booking_organization_id_end_at" to table: "bookings"
CREATE INDEX `booking_organization_id_end_at` ON `bookings` (`organization_id`, `end_at`);
-- create "booking_status" table
CREATE TABLE `booking_status` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `color` text NOT NULL DEFAULT ('#616161'), `description` text NULL, `push_to_calendar` bool NOT NULL DEFAULT (true), `delete_from_calendar` bool NOT NULL DEFAULT (true), `organization_id` integer NOT NULL, CONSTRAINT `booking_status_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION);
-- set sequence for "booking_status" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("booking_status", 12884901888);
-- create index "bookingstatus_organization_id" to table: "booking_status"
CREATE INDEX `bookingstatus_organization_id` ON `booking_status` (`organization_id`);
-- create index "bookingstatus_organization_id_name" to table: "booking_status"
CREATE UNIQUE INDEX `bookingstatus_organization_id_name` ON `booking_status` (`organization_id`, `name`);
-- create "booking_types" table
CREATE TABLE `booking_types` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `sync_to_calendar` bool NOT NULL DEFAULT (true), `personal` bool NOT NULL DEFAULT (false), `default` bool NOT NULL DEFAULT (false), `unavailable` bool NOT NULL DEFAULT (false), `organization_id` integer NOT NULL, CONSTRAINT `booking_types_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION);
-- set sequence for "booking_types" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("booking_types", 17179869184);
-- create index "bookingtype_organization_id" to table: "booking_types"
CREATE INDEX `bookingtype_organization_id` ON `booking_types` (`organization_id`);
-- create index "bookingtype_organization_id_name" to table: "booking_types"
CREATE UNIQUE INDEX `bookingtype_organization_id_name` ON `booking_types` (`organization_id`, `name`);
-- create "calendar_accounts" table
CREATE TABLE `calendar_accounts` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `provider` text NOT NULL, `account_email` text NOT NULL, `provider_subject` text NULL, `credential_mode` text NOT NULL, `token_enc` blob NULL, `scopes` json NULL, `status` text NOT NULL DEFAULT ('ACTIVE'), `last_error` text NULL, `last_synced_at` datetime NULL, `destination_calendar_id` text NULL, `sync_requested` integer NOT NULL DEFAULT (0), `sync_done` integer NOT NULL DEFAULT (0), `sync_requested_at` datetime NULL, `organization_id` integer NOT NULL, CONSTRAINT `calendar_accounts_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION);
-- set sequence for "calendar_accounts" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("calendar_accounts", 21474836480);
-- create index "calendaraccount_organization_id" to table: "calendar_accounts"
CREATE INDEX `calendaraccount_organization_id` ON `calendar_accounts` (`organization_id`);
-- create index "calendaraccount_organization_id_provider_account_email" to table: "calendar_accounts"
CREATE UNIQUE INDEX `calendaraccount_organization_id_provider_account_email` ON `calendar_accounts` (`organization_id`, `provider`, `account_email`);
-- create "email_messages" table
CREATE TABLE `email_messages` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `to` text NOT NULL, `subject` text NOT NULL, `body` text NOT NULL, `html_body` text NULL, `kind` text NOT NULL DEFAULT ('authorization'), `user_id` integer NULL, `state` text NOT NULL DEFAULT ('QUEUED'), `attempts` integer NOT NULL DEFAULT (0), `last_error` text NULL, `sent_at` datetime NULL, `organization_id` integer NOT NULL, CONSTRAINT `email_messages_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION);
-- set sequence for "email_messages" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("email_messages", 60129542144);
-- create index "emailmessage_organization_id" to table: "email_messages"
CREATE INDEX `emailmessage_organization_id` ON `email_messages` (`organization_id`);
-- create index "emailmessage_organization_id_created_at" to table: "email_messages"
CREATE INDEX `emailmessage_organization_id_created_at` ON `email_messages` (`organization_id`, `created_at`);
-- create "event_links" table
CREATE TABLE `event_links` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `booking_ref` integer NOT NULL, `calendar_id` text NOT NULL, `provider_event_id` text NULL, `ical_uid` text NULL, `etag` text NULL, `content_hash` text NULL, `field_hashes` json NULL, `generation` integer NOT NULL DEFAULT (0), `event_key` text NULL, `state` text NOT NULL DEFAULT ('PENDING'), `last_error` text NULL, `organization_id` integer NOT NULL, `booking_id` integer NULL, `user_id` integer NOT NULL, `account_id` integer NOT NULL, CONSTRAINT `event_links_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `event_links_bookings_booking` FOREIGN KEY (`booking_id`) REFERENCES `bookings` (`id`) ON DELETE SET NULL, CONSTRAINT `event_links_users_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION, CONSTRAINT `event_links_calendar_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `calendar_accounts` (`id`) ON DELETE NO ACTION);
-- set sequence for "event_links" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("event_links", 25769803776);
-- create index "eventlink_organization_id" to table: "event_links"
CREATE INDEX `eventlink_organization_id` ON `event_links` (`organization_id`);
-- create index "eventlink_account_id_calendar_id_booking_ref_user_id" to table: "event_links"
CREATE UNIQUE INDEX `eventlink_account_id_calendar_id_booking_ref_user_id` ON `event_links` (`account_id`, `calendar_id`, `booking_ref`, `user_id`);
-- create index "eventlink_account_id_provider_event_id" to table: "event_links"
CREATE INDEX `eventlink_account_id_provider_event_id` ON `event_links` (`account_id`, `provider_event_id`);
-- create index "eventlink_booking_ref" to table: "event_links"
CREATE INDEX `eventlink_booking_ref` ON `event_links` (`booking_ref`);
-- create "external_events" table
CREATE TABLE `external_events` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `provider_event_id` text NOT NULL, `title` text NOT NULL, `start_at` datetime NOT NULL, `end_at` datetime NOT NULL, `all_day` bool NOT NULL DEFAULT (false), `private` bool NOT NULL DEFAULT (false), `busy` bool NOT NULL DEFAULT (true), `show_as` text NOT NULL DEFAULT ('BUSY'), `status` text NOT NULL DEFAULT ('confirmed'), `recurring_series_id` text NULL, `web_link` text NULL, `read_gen` integer NOT NULL DEFAULT (0), `organization_id` integer NOT NULL, `calendar_ref_id` integer NOT NULL, `account_id` integer NOT NULL, CONSTRAINT `external_events_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `external_events_provider_calendars_calendar` FOREIGN KEY (`calendar_ref_id`) REFERENCES `provider_calendars` (`id`) ON DELETE CASCADE, CONSTRAINT `external_events_calendar_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `calendar_accounts` (`id`) ON DELETE CASCADE);
-- set sequence for "external_events" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("external_events", 30064771072);
-- create index "externalevent_organization_id" to table: "external_events"
CREATE INDEX `externalevent_organization_id` ON `external_events` (`organization_id`);
-- create index "externalevent_calendar_ref_id_provider_event_id" to table: "external_events"
CREATE UNIQUE INDEX `externalevent_calendar_ref_id_provider_event_id` ON `external_events` (`calendar_ref_id`, `provider_event_id`);
-- create index "externalevent_account_id_start_at" to table: "external_events"
CREATE INDEX `externalevent_account_id_start_at` ON `external_events` (`account_id`, `start_at`);
-- create index "externalevent_calendar_ref_id_read_gen" to table: "external_events"
CREATE INDEX `externalevent_calendar_ref_id_read_gen` ON `external_events` (`calendar_ref_id`, `read_gen`);
-- create "invitations" table
CREATE TABLE `invitations` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `provider` text NOT NULL, `token_hash` text NOT NULL, `expires_at` datetime NOT NULL, `used_at` datetime NULL, `revoked_at` datetime NULL, `organization_id` integer NOT NULL, `user_id` integer NOT NULL, `sent_by_id` integer NULL, CONSTRAINT `invitations_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `invitations_users_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE, CONSTRAINT `invitations_users_sent_by` FOREIGN KEY (`sent_by_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- set sequence for "invitations" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("invitations", 34359738368);
-- create index "invitations_token_hash_key" to table: "invitations"
CREATE UNIQUE INDEX `invitations_token_hash_key` ON `invitations` (`token_hash`);
-- create index "invitation_organization_id" to table: "invitations"
CREATE INDEX `invitation_organization_id` ON `invitations` (`organization_id`);
-- create "link_attempts" table
CREATE TABLE `link_attempts` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `provider` text NOT NULL, `state_hash` text NOT NULL, `start_hash` text NOT NULL, `nonce_hash` text NULL, `code_verifier_enc` blob NOT NULL, `invitation_id` integer NULL, `expires_at` datetime NOT NULL, `used_at` datetime NULL, `organization_id` integer NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `link_attempts_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `link_attempts_users_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE);
-- set sequence for "link_attempts" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("link_attempts", 64424509440);
-- create index "link_attempts_state_hash_key" to table: "link_attempts"
CREATE UNIQUE INDEX `link_attempts_state_hash_key` ON `link_attempts` (`state_hash`);
-- create index "link_attempts_start_hash_key" to table: "link_attempts"
CREATE UNIQUE INDEX `link_attempts_start_hash_key` ON `link_attempts` (`start_hash`);
-- create index "linkattempt_organization_id" to table: "link_attempts"
CREATE INDEX `linkattempt_organization_id` ON `link_attempts` (`organization_id`);
-- create "organizations" table
CREATE TABLE `organizations` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `slug` text NOT NULL, `default_time_zone` text NOT NULL DEFAULT ('UTC'), `primary_color` text NOT NULL DEFAULT ('#1a73e8'), `secondary_color` text NOT NULL DEFAULT ('#8e24aa'), `google_event_color` text NOT NULL DEFAULT ('#93c572'), `microsoft_event_color` text NOT NULL DEFAULT ('#555555'), `cancellation_status_id` integer NULL, CONSTRAINT `organizations_booking_status_cancellation_status` FOREIGN KEY (`cancellation_status_id`) REFERENCES `booking_status` (`id`) ON DELETE SET NULL);
-- set sequence for "organizations" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("organizations", 38654705664);
-- create index "organizations_slug_key" to table: "organizations"
CREATE UNIQUE INDEX `organizations_slug_key` ON `organizations` (`slug`);
-- create "past_calendar_accounts" table
CREATE TABLE `past_calendar_accounts` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `provider` text NOT NULL, `account_email` text NOT NULL, `credential_mode` text NOT NULL, `unlinked_at` datetime NOT NULL, `reason` text NOT NULL, `organization_id` integer NOT NULL, `user_id` integer NOT NULL, `account_id` integer NULL, `unlinked_by_id` integer NULL, CONSTRAINT `past_calendar_accounts_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `past_calendar_accounts_users_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE, CONSTRAINT `past_calendar_accounts_calendar_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `calendar_accounts` (`id`) ON DELETE SET NULL, CONSTRAINT `past_calendar_accounts_users_unlinked_by` FOREIGN KEY (`unlinked_by_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- set sequence for "past_calendar_accounts" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("past_calendar_accounts", 68719476736);
-- create index "pastcalendaraccount_organization_id" to table: "past_calendar_accounts"
CREATE INDEX `pastcalendaraccount_organization_id` ON `past_calendar_accounts` (`organization_id`);
-- create index "pastcalendaraccount_user_id_provider_unlinked_at" to table: "past_calendar_accounts"
CREATE INDEX `pastcalendaraccount_user_id_provider_unlinked_at` ON `past_calendar_accounts` (`user_id`, `provider`, `unlinked_at`);
-- create "provider_calendars" table
CREATE TABLE `provider_calendars` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `calendar_id` text NOT NULL, `name` text NOT NULL, `primary` bool NOT NULL DEFAULT (false), `color` text NULL, `selected` bool NOT NULL DEFAULT (false), `sync_cursor` text NULL, `access_role` text NULL, `channel_id` text NULL, `channel_resource_id` text NULL, `channel_token` text NULL, `channel_expires_at` datetime NULL, `channel_message` integer NOT NULL DEFAULT (0), `channel_retry_at` datetime NULL, `read_requested` integer NOT NULL DEFAULT (0), `read_done` integer NOT NULL DEFAULT (0), `read_gen` integer NOT NULL DEFAULT (0), `window_from` datetime NULL, `window_to` datetime NULL, `next_poll_at` datetime NULL, `last_read_at` datetime NULL, `last_read_error` text NULL, `organization_id` integer NOT NULL, `account_id` integer NOT NULL, CONSTRAINT `provider_calendars_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `provider_calendars_calendar_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `calendar_accounts` (`id`) ON DELETE NO ACTION);
-- set sequence for "provider_calendars" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("provider_calendars", 42949672960);
-- create index "providercalendar_organization_id" to table: "provider_calendars"
CREATE INDEX `providercalendar_organization_id` ON `provider_calendars` (`organization_id`);
-- create index "providercalendar_account_id_calendar_id" to table: "provider_calendars"
CREATE UNIQUE INDEX `providercalendar_account_id_calendar_id` ON `provider_calendars` (`account_id`, `calendar_id`);
-- create index "providercalendar_channel_id" to table: "provider_calendars"
CREATE INDEX `providercalendar_channel_id` ON `provider_calendars` (`channel_id`);
-- create index "providercalendar_selected_next_poll_at" to table: "provider_calendars"
CREATE INDEX `providercalendar_selected_next_poll_at` ON `provider_calendars` (`selected`, `next_poll_at`);
-- create "provider_configs" table
CREATE TABLE `provider_configs` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `provider` text NOT NULL, `enabled` bool NOT NULL DEFAULT (false), `users_can_override` bool NOT NULL DEFAULT (false), `credential_mode` text NOT NULL DEFAULT ('PLATFORM_APP'), `destination` text NOT NULL DEFAULT ('PRIMARY'), `sync_direction` text NOT NULL DEFAULT ('PUSH_ONLY'), `unlink_policy` text NOT NULL DEFAULT ('REMOVE'), `client_id` text NULL, `client_secret_enc` blob NULL, `service_account_email` text NULL, `service_account_key_enc` blob NULL, `ms_tenant_id` text NULL, `organization_id` integer NOT NULL, CONSTRAINT `provider_configs_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION);
-- set sequence for "provider_configs" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("provider_configs", 47244640256);
-- create index "providerconfig_organization_id" to table: "provider_configs"
CREATE INDEX `providerconfig_organization_id` ON `provider_configs` (`organization_id`);
-- create index "providerconfig_organization_id_provider" to table: "provider_configs"
CREATE UNIQUE INDEX `providerconfig_organization_id_provider` ON `provider_configs` (`organization_id`, `provider`);
-- create "sign_in_links" table
CREATE TABLE `sign_in_links` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `token_hash` text NOT NULL, `expires_at` datetime NOT NULL, `used_at` datetime NULL, `revoked_at` datetime NULL, `organization_id` integer NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `sign_in_links_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `sign_in_links_users_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE);
-- set sequence for "sign_in_links" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("sign_in_links", 73014444032);
-- create index "sign_in_links_token_hash_key" to table: "sign_in_links"
CREATE UNIQUE INDEX `sign_in_links_token_hash_key` ON `sign_in_links` (`token_hash`);
-- create index "signinlink_organization_id" to table: "sign_in_links"
CREATE INDEX `signinlink_organization_id` ON `sign_in_links` (`organization_id`);
-- create "sync_outboxes" table
CREATE TABLE `sync_outboxes` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `booking_ids` json NULL, `user_ids` json NULL, `created_at` datetime NOT NULL, `organization_id` integer NOT NULL, CONSTRAINT `sync_outboxes_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION);
-- set sequence for "sync_outboxes" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("sync_outboxes", 77309411328);
-- create index "syncoutbox_organization_id" to table: "sync_outboxes"
CREATE INDEX `syncoutbox_organization_id` ON `sync_outboxes` (`organization_id`);
-- create index "syncoutbox_created_at" to table: "sync_outboxes"
CREATE INDEX `syncoutbox_created_at` ON `sync_outboxes` (`created_at`);
-- create "sync_pendings" table
CREATE TABLE `sync_pendings` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `booking_ref` integer NOT NULL, `seq` integer NOT NULL, `organization_id` integer NOT NULL, `account_id` integer NOT NULL, CONSTRAINT `sync_pendings_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `sync_pendings_calendar_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `calendar_accounts` (`id`) ON DELETE CASCADE);
-- set sequence for "sync_pendings" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("sync_pendings", 81604378624);
-- create index "syncpending_organization_id" to table: "sync_pendings"
CREATE INDEX `syncpending_organization_id` ON `sync_pendings` (`organization_id`);
-- create index "syncpending_account_id_booking_ref" to table: "sync_pendings"
CREATE UNIQUE INDEX `syncpending_account_id_booking_ref` ON `sync_pendings` (`account_id`, `booking_ref`);
-- create "sync_runs" table
CREATE TABLE `sync_runs` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `kind` text NOT NULL, `state` text NOT NULL DEFAULT ('QUEUED'), `created_count` integer NOT NULL DEFAULT (0), `updated_count` integer NOT NULL DEFAULT (0), `deleted_count` integer NOT NULL DEFAULT (0), `skipped_count` integer NOT NULL DEFAULT (0), `failed_count` integer NOT NULL DEFAULT (0), `total` integer NOT NULL DEFAULT (0), `done` integer NOT NULL DEFAULT (0), `started_at` datetime NULL, `finished_at` datetime NULL, `error` text NULL, `organization_id` integer NOT NULL, `account_id` integer NOT NULL, CONSTRAINT `sync_runs_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `sync_runs_calendar_accounts_account` FOREIGN KEY (`account_id`) REFERENCES `calendar_accounts` (`id`) ON DELETE CASCADE);
-- set sequence for "sync_runs" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("sync_runs", 51539607552);
-- create index "syncrun_organization_id" to table: "sync_runs"
CREATE INDEX `syncrun_organization_id` ON `sync_runs` (`organization_id`);
-- create "users" table
CREATE TABLE `users` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `email` text NOT NULL, `name` text NOT NULL, `role` text NOT NULL DEFAULT ('FIELDWORKER'), `active` bool NOT NULL DEFAULT (true), `time_zone` text NOT NULL DEFAULT ('UTC'), `password_hash` text NULL, `general_fieldworker` bool NOT NULL DEFAULT (false), `operator` bool NOT NULL DEFAULT (false), `google_sync` bool NULL, `google_sync_set_by_admin` bool NOT NULL DEFAULT (false), `microsoft_sync` bool NULL, `microsoft_sync_set_by_admin` bool NOT NULL DEFAULT (false), `organization_id` integer NOT NULL, CONSTRAINT `users_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION);
-- set sequence for "users" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("users", 55834574848);
-- create index "user_organization_id" to table: "users"
CREATE INDEX `user_organization_id` ON `users` (`organization_id`);
-- create index "user_organization_id_email" to table: "users"
CREATE UNIQUE INDEX `user_organization_id_email` ON `users` (`organization_id`, `email`);
-- create "booking_hosts" table
CREATE TABLE `booking_hosts` (`booking_id` integer NOT NULL, `user_id` integer NOT NULL, PRIMARY KEY (`booking_id`, `user_id`), CONSTRAINT `booking_hosts_booking_id` FOREIGN KEY (`booking_id`) REFERENCES `bookings` (`id`) ON DELETE CASCADE, CONSTRAINT `booking_hosts_user_id` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE);
-- create "calendar_account_users" table
CREATE TABLE `calendar_account_users` (`calendar_account_id` integer NOT NULL, `user_id` integer NOT NULL, PRIMARY KEY (`calendar_account_id`, `user_id`), CONSTRAINT `calendar_account_users_calendar_account_id` FOREIGN KEY (`calendar_account_id`) REFERENCES `calendar_accounts` (`id`) ON DELETE CASCADE, CONSTRAINT `calendar_account_users_user_id` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE);
