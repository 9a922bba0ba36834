-- E-mail: login codes, invitations. Same SQL for SQLite and PostgreSQL (see V1).

-- 1: each password login of this user is confirmed with a code mailed to the user's address
alter table users add column email_check integer not null default 0;

-- a challenge answered by a mailed code keeps the code's hash, bound to the challenge's secret
-- (SHA-256 of secret ":" code: the table alone gives neither); null for a TOTP challenge
alter table login_challenges add column code_hash text;

-- an admin's invitation: the user exists (status -1) without a password until the link is used
create table user_invitations (
  -- SHA-256 of the token the link carries
  token_hash text primary key,
  user_guid text not null references users(guid) on delete cascade,
  email text not null,
  -- the admin who invited
  created_by text not null default '',
  created_at bigint not null,
  expires_at bigint not null,
  -- 0 until the invitee set a password; a link is good once
  used_at bigint not null default 0
);

create index user_invitations_user on user_invitations(user_guid);

-- the new-place alarm reads a user's last successful logins at each login
create index login_log_user on login_log(user_guid, created_at);
