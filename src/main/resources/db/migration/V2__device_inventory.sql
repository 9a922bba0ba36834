-- The device inventory of issue 15: names an admin gave a device (they win over what its
-- sysinfo reports), its live connections as its last heartbeat listed them (written behind),
-- and its deployment (POST /api/devices/deploy with an API token).

alter table devices add column device_name text not null default '';
alter table devices add column device_username text not null default '';
-- JSON array of the connection ids of the device's last heartbeat; '' when it had none
alter table devices add column conns text not null default '';
alter table devices add column deployed integer not null default 0;
alter table devices add column deployed_at bigint not null default 0;
-- the Ed25519 public key (base64) the device was deployed with
alter table devices add column deployed_pk text not null default '';

-- every node loads the disabled devices at start and re-reads them now and then
create index devices_enabled on devices(enabled);
