-- SMS reminders (issue 6): the plan (one row per dispatch key), every message sent or received,
-- the credits messages use, and the key recipient hashes are made with.

-- The snapshot learns what the planner needs of an appointment; none of it is personal.
alter table appointment_snapshot add column time_zone text;
alter table appointment_snapshot add column sms_consent boolean;

-- A reminder to send: unique per (org, dispatch key) = (appointment, rule, start time), so however
-- many instances plan or dispatch it, it exists once and is sent at most once.
create table sms_reminder (
  id bigint generated always as identity primary key,
  org_id text not null references org_connection (org_id) on delete cascade,
  appointment_id text not null,
  dispatch_key text not null,
  rule_id text not null,
  audience text not null,
  send_at timestamptz not null,
  not_after timestamptz not null,
  appointment_start timestamptz not null,
  state text not null check (state in ('planned', 'sending', 'sent', 'skipped', 'cancelled', 'failed', 'paused')),
  -- Why it was skipped, cancelled, failed or paused (shown to staff): opted_out, replaced,
  -- cancelled, expired, invalid_number:21211, no_credits, …
  state_reason text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (org_id, dispatch_key)
);

-- The dispatcher's claim: due planned rows, oldest first.
create index sms_reminder_due_idx on sms_reminder (send_at) where state = 'planned';
-- Attempts left in 'sending' (a crash) and paused rows waiting for credits.
create index sms_reminder_stuck_idx on sms_reminder (updated_at) where state in ('sending', 'paused');
create index sms_reminder_appointment_idx on sms_reminder (org_id, appointment_id);

-- Every SMS sent or received. The number and the text are envelope-encrypted, bound to
-- { table: sms_message, column: recipient_ciphertext | body_ciphertext, rowId: id }; the text is
-- kept only until the message is sent (or the reply processed).
create table sms_message (
  id bigint generated always as identity primary key,
  org_id text not null references org_connection (org_id) on delete cascade,
  reminder_id bigint references sms_reminder (id) on delete set null,
  appointment_id text,
  direction text not null check (direction in ('outbound', 'inbound')),
  -- reminder, reply, ack, …
  kind text not null,
  -- HMAC-SHA256 of the E.164 number under the service's recipient key, per org (sms/recipient.ts):
  -- lets opt-outs and replies be matched without decrypting.
  recipient_hash text not null,
  recipient_ciphertext bytea,
  body_ciphertext bytea,
  -- The sender used (Messaging Service SID or number): reconciliation lists by To and From.
  sender text,
  twilio_sid text unique,
  -- Twilio's status: accepted, queued, sending, sent, delivered, undelivered, failed, receiving,
  -- received, read, canceled (and 'sending' before Twilio has answered).
  status text,
  error_code text,
  segments integer,
  attempt integer not null default 1,
  created_at timestamptz not null,
  sent_at timestamptz,
  status_at timestamptz
);

create index sms_message_reminder_idx on sms_message (reminder_id);
create index sms_message_recipient_idx on sms_message (org_id, recipient_hash);

-- Credits used (one row per sent message, its segments). Until the payments issue brings a
-- ledger, an org's balance is the configured allowance minus the sum of these.
create table sms_credit_use (
  id bigint generated always as identity primary key,
  org_id text not null references org_connection (org_id) on delete cascade,
  message_id bigint references sms_message (id) on delete set null,
  segments integer not null,
  created_at timestamptz not null,
  unique (message_id)
);

create index sms_credit_use_org_idx on sms_credit_use (org_id);

-- The key recipient hashes are made with: one row, created once, encrypted under the envelope,
-- bound to { table: sms_recipient_key, column: key_ciphertext, rowId: '1' }.
create table sms_recipient_key (
  id integer primary key check (id = 1),
  key_ciphertext bytea not null,
  created_at timestamptz not null
);
