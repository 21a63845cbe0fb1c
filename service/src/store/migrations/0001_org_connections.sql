-- A Salesforce org connected to the service, and the API keys its Apex calls /v1 with.

create table org_connection (
  -- The 18-character Salesforce org id (00D…).
  org_id text primary key check (org_id ~ '^00D[0-9A-Za-z]{15}$'),
  instance_url text not null,
  login_host text not null,
  -- The integration user the service signs in as (005…).
  integration_user_id text not null,
  -- Envelope ciphertext bound to { table: org_connection, column: refresh_token_ciphertext, rowId: org_id }.
  refresh_token_ciphertext bytea not null,
  api_version text not null,
  connected_at timestamptz not null default now(),
  disconnected_at timestamptz,
  last_sync_at timestamptz
);

create table org_api_key (
  id bigint generated always as identity primary key,
  org_id text not null references org_connection (org_id) on delete cascade,
  -- The key's first characters: finds the candidates for a key and tells admins which key is which.
  key_prefix text not null,
  -- SHA-256 of the whole key; the key itself is shown once and never stored.
  key_hash bytea not null check (length(key_hash) = 32),
  created_at timestamptz not null default now(),
  -- Set when a newer key replaces this one: it stays valid for a grace period while the org switches.
  expires_at timestamptz,
  revoked_at timestamptz
);

create index org_api_key_prefix_idx on org_api_key (key_prefix);
create index org_api_key_org_idx on org_api_key (org_id);
