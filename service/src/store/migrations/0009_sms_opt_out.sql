-- SMS replies and webhooks (issue 6): who has opted out, and which webhooks were already handled.

-- A number that replied STOP (or another opt-out word) to an org's messages, by its per-org hash
-- (sms/recipient.ts), never the number itself. The dispatcher checks it at send time, so an
-- opt-out is honoured from the moment it is stored; START deletes the row.
create table sms_opt_out (
  org_id text not null references org_connection (org_id) on delete cascade,
  recipient_hash text not null,
  opted_out_at timestamptz not null,
  primary key (org_id, recipient_hash)
);

-- Webhooks already handled: Twilio retries a webhook it got no answer to, and anyone who saw a
-- signed request can send it again (a signature carries no time). An inbound message is acted on
-- once per MessageSid; event 'inbound' (status callbacks need no row: they apply monotonically).
create table sms_webhook_receipt (
  message_sid text not null,
  event text not null,
  received_at timestamptz not null,
  primary key (message_sid, event)
);

create index sms_webhook_receipt_age_idx on sms_webhook_receipt (received_at);
