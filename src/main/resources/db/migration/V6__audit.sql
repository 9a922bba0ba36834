-- Audit: what devices report of their connections, file transfers and alarms, what the server
-- itself saw of each connection (punches and relay sessions), and what admins changed.
-- Times are epoch milliseconds. Session ids are the client's u64 in decimal, as text: half of
-- them do not fit a signed BIGINT.

-- nonces of the records devices posted: a retried post is answered as stored and not stored
-- twice, on every node of a cluster (the database is shared); kept for an hour
create table audit_nonces (
  nonce text primary key,
  created_at bigint not null
);

create index audit_nonces_created on audit_nonces(created_at);

-- one row per connection of a controlled device: its "new", "authorised" and "close" posts
-- merged, the controlling side's note, and the server's session linked by server_key
create table audit_conn (
  guid text primary key,
  created_at bigint not null,
  updated_at bigint not null,
  -- the controlled device
  device_id text not null,
  device_uuid text not null default '',
  -- -1 when the device posted nothing for it (yet)
  conn_id integer not null,
  -- null for a connection only the server saw
  session_id text,
  ip text not null default '',
  peer_id text not null default '',
  peer_name text not null default '',
  -- -1 unknown (never authorised): 0 remote, 1 file transfer, 2 port forward, 3 camera, 4 terminal
  conn_type integer not null default -1,
  primary_auth integer not null default 0,
  two_factor integer not null default 0,
  conn_audit_ref text not null default '',
  authorized_at bigint not null default 0,
  closed_at bigint not null default 0,
  note text not null default '',
  -- the signed-in user of the controlling side who asked for this record's guid
  controller_user text not null default '',
  -- 1 when the device posted a record of it
  from_device integer not null default 0,
  server_key text
);

create unique index audit_conn_connection on audit_conn(device_id, conn_id, session_id);
create index audit_conn_created on audit_conn(created_at, guid);
create index audit_conn_server on audit_conn(server_key);

-- what the server saw: a punch it brokered (key punch:<node>:<ts>:<from>:<id>) or a relay
-- session (key relay:<uuid>), written from the rendezvous and relay events
create table audit_server_sessions (
  session_key text primary key,
  created_at bigint not null,
  -- punch, local or relay
  kind text not null,
  -- the device asked for, and the address of whoever asked
  device_id text not null default '',
  from_ip text not null default '',
  relay_server text not null default '',
  relay_uuid text not null default '',
  first_end text not null default '',
  second_end text not null default '',
  opened_at bigint not null default 0,
  closed_at bigint not null default 0,
  bytes_first_to_second bigint not null default 0,
  bytes_second_to_first bigint not null default 0,
  duration_ms bigint not null default 0,
  close_reason text not null default '',
  -- 0 until linked to a connection record, or given one of its own
  settled integer not null default 0
);

create index audit_server_sessions_device on audit_server_sessions(device_id, created_at);
create index audit_server_sessions_pending on audit_server_sessions(settled, created_at);
create index audit_server_sessions_created on audit_server_sessions(created_at);

create table audit_file (
  guid text primary key,
  created_at bigint not null,
  device_id text not null,
  device_uuid text not null default '',
  peer_id text not null default '',
  conn_id integer not null default 0,
  -- 0 the device sent, 1 it received
  direction integer not null,
  path text not null default '',
  is_file integer not null default 0,
  info text not null default '',
  ip text not null default '',
  peer_name text not null default '',
  num integer not null default 0
);

create index audit_file_created on audit_file(created_at, guid);

create table audit_alarm (
  guid text primary key,
  created_at bigint not null,
  device_id text not null,
  device_uuid text not null default '',
  typ integer not null,
  info text not null default '',
  conn_id integer not null default 0,
  conn_audit_ref text not null default ''
);

create index audit_alarm_created on audit_alarm(created_at, guid);

-- who changed what in the console or through the admin API, and from where
create table audit_console (
  guid text primary key,
  created_at bigint not null,
  operator text not null,
  operator_guid text not null default '',
  -- session (a signed-in admin) or api (an API token)
  via text not null,
  ip text not null default '',
  -- Pro's console record type (0 groups, 1 users, 2 devices, 3 address books) and operation code
  typ integer not null,
  iop integer not null default -1,
  operation text not null,
  target text not null default '',
  detail text not null default ''
);

create index audit_console_created on audit_console(created_at, guid);

create index login_log_created_guid on login_log(created_at, guid);
