-- Address books (issue 16): each user's personal book, the shared books an admin creates with
-- their rules, their peers (with a recycle bin) and their coloured tags.

create table address_books (
  guid text primary key,
  -- the user whose personal book this is; null for a shared book (one personal book per user)
  personal_owner text unique references users(guid) on delete cascade,
  -- who a shared book belongs to (shown as "owner"); null once that user is gone
  owner_guid text references users(guid) on delete set null,
  name text not null,
  -- lower-cased name of a shared book: shared names are unique whatever their case (the client
  -- keys books by name); null for a personal book
  shared_key text unique,
  note text not null default '',
  -- the book's shared password, kept as the admin gave it: the client shows it to whoever has access
  password text not null default '',
  created_at bigint not null
);

create table ab_peers (
  book_guid text not null references address_books(guid) on delete cascade,
  id text not null,
  -- the peer's other fields as the client sent them: a JSON object text
  data text not null,
  -- JSON array text of tag names
  tags text not null default '[]',
  -- 0 while in the book; when it was deleted (epoch ms) while in the recycle bin
  deleted_at bigint not null default 0,
  created_at bigint not null,
  updated_at bigint not null,
  primary key (book_guid, id)
);

-- a book's pages: its peers in the book, by ID
create index ab_peers_listed on ab_peers(book_guid, deleted_at, id);
-- the purge of the recycle bin
create index ab_peers_deleted on ab_peers(deleted_at);

create table ab_tags (
  book_guid text not null references address_books(guid) on delete cascade,
  name text not null,
  -- unsigned 32-bit ARGB, as the client's Color.value; null when the legacy API gave none
  color bigint,
  created_at bigint not null,
  primary key (book_guid, name)
);

-- who may use a shared book: a user, a user group, or everyone (both null)
create table ab_rules (
  guid text primary key,
  book_guid text not null references address_books(guid) on delete cascade,
  -- 'user:<guid>', 'group:<guid>' or 'everyone': one rule per book and target
  target text not null,
  user_guid text references users(guid) on delete cascade,
  group_guid text references user_groups(guid) on delete cascade,
  -- 1 read, 2 read/write, 3 full control (the client's values)
  rule integer not null,
  created_at bigint not null,
  unique (book_guid, target)
);

create index ab_rules_user on ab_rules(user_guid);
create index ab_rules_group on ab_rules(group_guid);
