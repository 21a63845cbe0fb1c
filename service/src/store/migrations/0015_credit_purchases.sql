-- SMS credit purchases through Authorize.Net (issue 7; docs/payments.md). Card data never reaches
-- the service: these rows hold the pack, the money, Authorize.Net's transaction id and the card's
-- last four digits, nothing more.

-- A purchase link from the admin console: signed (the token carries the id and expiry), short-lived
-- and single-use. `held_by` is the idempotency key of the payment that holds the link: taken
-- atomically by the first payment, given back only when that payment failed for certain.
create table purchase_link (
  id uuid primary key,
  org_id text not null references org_connection (org_id) on delete cascade,
  -- The Salesforce user who asked for it (X-Slotwise-User-Id; Apex checked Slotwise_Buy_Credits).
  user_id text not null check (user_id ~ '^005[0-9A-Za-z]{12}([0-9A-Za-z]{3})?$'),
  -- The pack the console preselected (packs.ts packId), or null: every pack is offered.
  pack_id text check (pack_id ~ '^[A-Za-z0-9_-]{1,64}$'),
  -- The org's name as Salesforce had it when the link was made, for the page's header.
  org_name text not null default '',
  created_at timestamptz not null,
  expires_at timestamptz not null,
  held_by text,
  check (expires_at > created_at)
);

create index purchase_link_org_idx on purchase_link (org_id);
create index purchase_link_expiry_idx on purchase_link (expires_at);

-- One payment attempt, keyed by the idempotency key the billing page carries: retries and parallel
-- posts with the same key find this row instead of charging again. pending: sent (or about to be
-- sent) to Authorize.Net, outcome not known yet; charged: approved, credits not yet posted;
-- credited: the ledger has the purchase (same idempotency key); failed: certainly not charged.
create table credit_purchase (
  id bigint generated always as identity primary key,
  idempotency_key text not null unique check (idempotency_key ~ '^[A-Za-z0-9_-]{22,64}$'),
  -- Derived from the idempotency key (Authorize.Net allows 20 characters): finds a charge whose
  -- answer never came back, and makes Authorize.Net's duplicate window apply to retries.
  invoice_number text not null unique check (length(invoice_number) between 1 and 20),
  link_id uuid not null references purchase_link (id) on delete cascade,
  org_id text not null references org_connection (org_id) on delete cascade,
  user_id text not null,
  credits bigint not null check (credits > 0),
  amount_minor bigint not null check (amount_minor > 0),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  state text not null check (state in ('pending', 'charged', 'credited', 'failed')),
  -- While a request is charging: others with the same key wait instead of charging or reconciling.
  charging_until timestamptz,
  trans_id text,
  auth_code text,
  card_last4 text check (card_last4 ~ '^[0-9]{4}$'),
  card_type text,
  -- Why it failed (payments/authnet/errors.ts kind), or why it is still pending ('ambiguous').
  outcome text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check (state not in ('charged', 'credited') or trans_id is not null)
);

create index credit_purchase_link_idx on credit_purchase (link_id);
create index credit_purchase_open_idx on credit_purchase (created_at) where state in ('pending', 'charged');

-- Authorize.Net webhook notifications already handled (retries carry the same notificationId).
create table authnet_webhook_receipt (
  notification_id text primary key check (length(notification_id) between 1 and 100),
  event_type text not null,
  received_at timestamptz not null,
  -- Null while its handlers run; a failed run deletes the row so Authorize.Net's retry runs them again.
  processed_at timestamptz
);

create index authnet_webhook_receipt_received_idx on authnet_webhook_receipt (received_at);
