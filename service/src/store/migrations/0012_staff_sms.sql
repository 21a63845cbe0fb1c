-- Staff SMS (issue 6): daily agendas and booking alerts to staff members, one row per dispatch key,
-- so however many instances plan one, or how often sync repeats an event, it exists once and is
-- sent at most once. The number and the text are never stored here (they are read from the org
-- at send time; sendReply records the message in sms_message, encrypted).
create table staff_sms (
  id bigint generated always as identity primary key,
  org_id text not null references org_connection (org_id) on delete cascade,
  -- agenda:<resource>:<local date> or alert:<appointment>:<kind>:<start>:<change's SystemModstamp>.
  dispatch_key text not null,
  kind text not null check (kind in ('agenda', 'alert')),
  resource_id text not null,
  -- Agendas: the local day (YYYY-MM-DD, in the resource's zone) whose appointments they list.
  agenda_date text,
  -- Alerts: the appointment, the change (created, rescheduled, cancelled), its start and the start before.
  appointment_id text,
  alert_kind text check (alert_kind in ('created', 'rescheduled', 'cancelled')),
  appointment_start timestamptz,
  previous_start timestamptz,
  send_at timestamptz not null,
  not_after timestamptz not null,
  state text not null check (state in ('planned', 'sending', 'sent', 'skipped', 'cancelled', 'failed')),
  -- Why it was skipped, cancelled or failed, or why a planned row waits: no_credits, opted_out, …
  state_reason text,
  -- Set when a send begins: after a crash, the sms_message it may have made is found by these.
  attempt_at timestamptz,
  recipient_hash text,
  message_id bigint references sms_message (id) on delete set null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (org_id, dispatch_key),
  check ((kind = 'agenda') = (agenda_date is not null)),
  check ((kind = 'alert') = (appointment_id is not null and alert_kind is not null and appointment_start is not null))
);

-- The dispatcher's claim: due planned rows, oldest first.
create index staff_sms_due_idx on staff_sms (send_at) where state = 'planned';
-- Sends left in 'sending' by an instance that stopped.
create index staff_sms_sending_idx on staff_sms (updated_at) where state = 'sending';
-- Finished rows, pruned after a while.
create index staff_sms_finished_idx on staff_sms (updated_at) where state not in ('planned', 'sending');
