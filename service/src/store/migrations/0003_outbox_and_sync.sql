-- The write-back outbox (every write to an org) and incremental sync state (watermarks and the
-- minimal appointment snapshot events are derived from). Org ids are the 18-character form.
-- All of it belongs to a connection and goes with it when the org disconnects.

create table org_outbox (
  id bigserial primary key,
  org_id text not null references org_connection (org_id) on delete cascade,
  sobject text not null,
  operation text not null check (operation in ('upsert', 'update', 'create')),
  -- For 'upsert': the external id field and value (Booking_Key__c, Twilio_SID__c).
  external_id_field text,
  external_id text,
  -- For 'update': the Salesforce record id.
  record_id text,
  -- Writes with the same key are delivered one at a time, in id order: `<sobject>:<key>`.
  record_key text not null,
  -- Envelope ciphertext of the JSON field values, bound to { table: org_outbox,
  -- column: payload_ciphertext, rowId: id }. Cleared once delivered (it holds personal data).
  payload_ciphertext bytea,
  state text not null default 'pending' check (state in ('pending', 'delivered', 'rejected')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null,
  -- Salesforce's errorCode and a message without personal data (never the payload).
  last_error_code text,
  last_error text,
  last_attempt_at timestamptz,
  created_at timestamptz not null,
  delivered_at timestamptz,
  check (operation <> 'upsert' or (external_id_field is not null and external_id is not null)),
  check (operation <> 'update' or record_id is not null)
);

-- The delivery pass: pending writes of one org, oldest first.
create index org_outbox_pending_idx on org_outbox (org_id, id) where state = 'pending';
create index org_outbox_rejected_idx on org_outbox (org_id, id) where state = 'rejected';

create table org_sync_state (
  org_id text not null references org_connection (org_id) on delete cascade,
  -- The sObject whose changes are read, e.g. Slotwise_Appointment__c.
  object text not null,
  -- The highest SystemModstamp seen.
  watermark timestamptz,
  last_run_at timestamptz,
  primary key (org_id, object)
);

-- What the last sync saw of each appointment: enough to tell what changed, and no personal data.
create table appointment_snapshot (
  org_id text not null references org_connection (org_id) on delete cascade,
  appointment_id text not null,
  booking_key text,
  start_at timestamptz,
  end_at timestamptz,
  status text,
  resource_id text,
  deleted boolean not null default false,
  -- The row's SystemModstamp when seen.
  updated_at timestamptz not null,
  primary key (org_id, appointment_id)
);
