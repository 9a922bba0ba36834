-- Single sign-on logins under way. The client starts one on some node (POST /api/oidc/auth), the
-- provider sends the browser back to possibly another node (GET /api/oidc/callback), and the
-- client polls a third (GET /api/oidc/auth-query): the state lives here, in the shared database.
-- Codes and states are kept as SHA-256 only; each is good once (the status moves forward only).
create table oidc_logins (
  -- SHA-256 of the code the client polls with
  code_hash text primary key,
  -- SHA-256 of the state the provider hands back to the callback
  state_hash text not null unique,
  -- the provider's name as configured (accounts.oidc.N.name)
  provider text not null,
  -- PKCE verifier and OpenID Connect nonce, needed by whichever node receives the callback
  code_verifier text not null,
  nonce text not null,
  redirect_uri text not null,
  device_id text not null default '',
  device_uuid text not null default '',
  device_os text not null default '',
  device_name text not null default '',
  -- the client's address at the start, for the per-address limit and the login log
  ip text not null,
  -- pending, exchanging (the callback is talking to the provider), authed, failed, done (token issued)
  status text not null,
  user_guid text references users(guid) on delete cascade,
  -- what the client is told when the sign-in failed
  error text not null default '',
  created_at bigint not null,
  expires_at bigint not null
);

create index oidc_logins_expires on oidc_logins(expires_at);
create index oidc_logins_ip on oidc_logins(ip);
