-- Accounts, tokens, device inventory: what the API server (port 21114) keeps.
-- Written in the SQL that SQLite and PostgreSQL both speak: TEXT, INTEGER and BIGINT columns,
-- 0/1 for booleans, epoch milliseconds for times, random UUID strings as keys (guid, as RustDesk
-- Server Pro names them). The peer table of rustdesk-server is left as it is.

create table user_groups (
  guid text primary key,
  name text not null,
  name_key text not null unique,
  note text not null default '',
  created_at bigint not null
);

create table users (
  guid text primary key,
  name text not null,
  -- lower-cased name: names are unique whatever their case, and looked up that way
  name_key text not null unique,
  display_name text not null default '',
  email text not null default '',
  note text not null default '',
  -- Argon2id in PHC form; null for users who sign in through a provider only
  password_hash text,
  is_admin integer not null default 0,
  -- 1 normal, 0 disabled, -1 invited and not yet verified (the client's UserStatus)
  status integer not null default 1,
  group_guid text references user_groups(guid),
  -- TOTP secret sealed with a key derived from the server key; null until enrolled
  totp_secret text,
  totp_enabled integer not null default 0,
  -- the last time step a code was accepted for: a code is good once
  totp_last_step bigint not null default 0,
  failed_logins integer not null default 0,
  locked_until bigint not null default 0,
  created_at bigint not null,
  updated_at bigint not null,
  last_login_at bigint not null default 0
);

create index users_group on users(group_guid);

-- single sign-on identities: one provider subject is one user
create table user_identities (
  provider text not null,
  subject text not null,
  user_guid text not null references users(guid) on delete cascade,
  created_at bigint not null,
  primary key (provider, subject)
);

create index user_identities_user on user_identities(user_guid);

create table user_backup_codes (
  user_guid text not null references users(guid) on delete cascade,
  code_hash text not null,
  primary key (user_guid, code_hash)
);

-- bearer tokens, stored as SHA-256 of the token: a client's session after login ('session'),
-- or an API token an admin created ('api')
create table access_tokens (
  token_hash text primary key,
  kind text not null,
  user_guid text references users(guid) on delete cascade,
  name text not null default '',
  scopes text not null default '',
  device_id text not null default '',
  device_uuid text not null default '',
  device_info text not null default '',
  created_at bigint not null,
  expires_at bigint not null,
  last_used_at bigint not null
);

create index access_tokens_user on access_tokens(user_guid);

-- the first login step of a user with a second factor, awaiting the code ("secret" in the client)
create table login_challenges (
  secret_hash text primary key,
  user_guid text not null references users(guid) on delete cascade,
  device_id text not null default '',
  attempts integer not null default 0,
  created_at bigint not null,
  expires_at bigint not null
);

create table login_log (
  guid text primary key,
  created_at bigint not null,
  user_guid text,
  user_name text not null,
  ip text not null,
  method text not null,
  result text not null,
  reason text not null default '',
  device_id text not null default '',
  device_os text not null default '',
  device_name text not null default ''
);

create index login_log_created on login_log(created_at);

create table device_groups (
  guid text primary key,
  name text not null,
  name_key text not null unique,
  note text not null default '',
  created_at bigint not null
);

-- the inventory of devices known to the API: what sysinfo reports, who they belong to, when seen
create table devices (
  guid text primary key,
  id text not null unique,
  uuid text not null default '',
  enabled integer not null default 1,
  user_guid text references users(guid) on delete set null,
  device_group_guid text references device_groups(guid) on delete set null,
  note text not null default '',
  hostname text not null default '',
  username text not null default '',
  os text not null default '',
  cpu text not null default '',
  memory text not null default '',
  version text not null default '',
  presets text not null default '',
  sysinfo_at bigint not null default 0,
  last_seen_at bigint not null default 0,
  created_at bigint not null
);

create index devices_user on devices(user_guid);
create index devices_group on devices(device_group_guid);
