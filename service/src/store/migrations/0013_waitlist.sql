-- The waitlist (issue 6): patients waiting for a full day of an appointment type, and the freed
-- slots offered to them, each held in booking_session (migration 0006) while the offer stands.
-- The number and the name are envelope-encrypted, bound to
-- { table: waitlist_entry, column: recipient_ciphertext | name_ciphertext, rowId: id }, and cleared
-- once the entry is over (booked, expired, left, or its day has passed).

create table waitlist_entry (
  id bigint generated always as identity primary key,
  org_id text not null references org_connection (org_id) on delete cascade,
  type_id text not null,
  -- The local day asked for ('YYYY-MM-DD') in the zone the patient saw it in, and its instants.
  day text not null,
  time_zone text not null,
  day_start timestamptz not null,
  day_end timestamptz not null,
  -- HMAC of the E.164 number per org (sms/recipient.ts): duplicates and the per-number limit.
  recipient_hash text not null,
  recipient_ciphertext bytea,
  name_ciphertext bytea,
  -- The consent wording's version the patient agreed to, stored with the appointment they book.
  consent_text_version text not null,
  state text not null check (state in ('waiting', 'offered', 'booked', 'expired', 'left')),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check (state in ('waiting', 'offered') or (recipient_ciphertext is null and name_ciphertext is null))
);

-- One live entry per (org, type, day, number): joining twice finds the first.
create unique index waitlist_entry_once on waitlist_entry (org_id, type_id, day, recipient_hash)
  where state in ('waiting', 'offered');
-- The line: first come, first offered.
create index waitlist_entry_line on waitlist_entry (org_id, type_id, created_at, id) where state = 'waiting';
create index waitlist_entry_recipient_idx on waitlist_entry (org_id, recipient_hash)
  where state in ('waiting', 'offered');
create index waitlist_entry_day_end_idx on waitlist_entry (day_end) where state in ('waiting', 'offered');

-- A freed slot offered to an entry. 'holding' from the claim until the text is sent, 'offered'
-- once it is, 'confirming' while the org is asked; the hold is booking `booking_id` (state
-- 'pending', its seat held until expires_at), confirmed in place when the patient takes it.
create table waitlist_offer (
  id bigint generated always as identity primary key,
  entry_id bigint not null references waitlist_entry (id) on delete cascade,
  org_id text not null references org_connection (org_id) on delete cascade,
  type_id text not null,
  resource_id text not null,
  start_at timestamptz not null,
  end_at timestamptz not null,
  booking_id uuid not null unique,
  expires_at timestamptz not null,
  state text not null check (
    state in ('holding', 'offered', 'confirming', 'booked', 'expired', 'declined', 'unsent', 'lost')
  ),
  -- Why it was not sent or was lost: no_credits, opted_out, invalid_number, twilio, interrupted, taken_in_org, …
  reason text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- Exactly once: a slot is offered to an entry at most once while that offer stands or was taken,
-- whichever instance or retried job gets there.
create unique index waitlist_offer_once on waitlist_offer (entry_id, resource_id, start_at)
  where state in ('holding', 'offered', 'confirming', 'booked');
create index waitlist_offer_live_idx on waitlist_offer (org_id, type_id, expires_at)
  where state in ('holding', 'offered', 'confirming');
