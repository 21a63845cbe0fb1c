-- Connect flows in progress: the OAuth state (sent to the login host) and the PKCE code verifier
-- (kept here, sent only to the token endpoint). Single use, valid for 10 minutes.

create table oauth_state (
  -- SHA-256 of the state: a leaked table does not let anyone finish someone else's flow.
  state_hash bytea primary key check (length(state_hash) = 32),
  -- Envelope ciphertext of the code verifier, bound to { table: oauth_state, column:
  -- code_verifier_ciphertext, rowId: hex(state_hash) }. It must be sent as is, so it cannot be hashed.
  code_verifier_ciphertext bytea not null,
  login_host text not null,
  -- Set when the flow reconnects a known org: a token for any other org is refused.
  expected_org_id text,
  created_at timestamptz not null default now()
);

create index oauth_state_created_idx on oauth_state (created_at);
