-- The admin API: API tokens get an identifier of their own, so that an admin can list and revoke
-- them without ever seeing the token or its hash. Sessions keep none (null, which a unique index
-- allows any number of times in SQLite and PostgreSQL alike).
alter table access_tokens add column guid text;

create unique index access_tokens_guid on access_tokens(guid);

create index access_tokens_kind on access_tokens(kind);
