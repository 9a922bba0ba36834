-- Strategies (named sets of client options the heartbeat delivers) and access control between
-- user groups and device groups (issue 16). SQL that SQLite and PostgreSQL both speak.

create table strategies (
  guid text primary key,
  name text not null,
  name_key text not null unique,
  note text not null default '',
  enabled integer not null default 1,
  -- JSON object: option name -> value, written by the client into its options
  options text not null default '{}',
  -- JSON array of option names this strategy set before and no longer does: sent with an empty
  -- value, which makes the client drop its copy
  cleared text not null default '[]',
  -- the version the client keeps as strategy_timestamp; unique among strategies, never 0
  modified_at bigint not null,
  created_at bigint not null
);

-- one strategy per device, user or device group; a device's own wins over its user's, which
-- wins over its device group's
alter table devices add column strategy_guid text;
alter table users add column strategy_guid text;
alter table device_groups add column strategy_guid text;

create index devices_strategy on devices(strategy_guid);

-- who may connect to whom: a user group's allowed incomings and outgoings, a device group's
-- allowed incomings (Pro's allowed_incomings / allowed_outgoings)
create table access_rules (
  -- the user group or device group the rule belongs to
  group_guid text not null,
  -- 'in' or 'out'
  direction text not null,
  -- 0 user group, 1 device group, 2 user
  target_type integer not null,
  target_guid text not null,
  primary key (group_guid, direction, target_type, target_guid)
);

create index access_rules_target on access_rules(target_guid);
