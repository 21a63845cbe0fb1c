-- Deposits (issue 7): a booking of a type with a deposit is held (booking_seat, migration 0006)
-- while the patient pays, confirmed only once the payment is approved, and its money given back
-- when it is cancelled within policy. Amounts in minor units. Never card data: the nonce is used
-- once and never stored, and a refund reads the card's last four digits from Authorize.Net.

create table deposit (
  booking_id uuid primary key references booking (id) on delete cascade,
  org_id text not null references org_connection (org_id) on delete cascade,
  amount_minor integer not null check (amount_minor > 0),
  currency text not null check (currency ~ '^[A-Z]{3}$'),
  -- Deposit_Capture__c when booked: true charges at once; false authorizes, captured at the cutoff.
  capture_at_booking boolean not null,
  -- The cancellation cutoff the patient was shown: cancelling before it gives the deposit back.
  cutoff_hours integer not null check (cutoff_hours >= 0),
  -- unpaid: waiting for the patient (declined attempts included); charging: an attempt is out;
  -- authorized / captured: approved; return_due: money to give back (void or refund) not yet done;
  -- returned: given back; expired: the payment window ran out with nothing charged.
  state text not null check (
    state in ('unpaid', 'charging', 'authorized', 'captured', 'return_due', 'returned', 'expired')
  ),
  -- The approved transaction (authorization or capture), and when it was approved.
  trans_id text,
  approved_at timestamptz,
  -- Whoever writes the appointment of an approved deposit holds this lease (the request that
  -- charged, a later look at the page, or the sweep), so it is written by one of them at a time.
  confirm_lease_until timestamptz,
  check (state in ('unpaid', 'charging', 'expired') or trans_id is not null),
  -- The patient's details for the appointment written after payment: envelope-encrypted JSON bound
  -- to { table: deposit, column: patient_ciphertext, rowId: booking_id }; cleared once the
  -- appointment is written or the booking fails.
  patient_ciphertext bytea,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- The sweep's work: windows to close, charges to settle, authorizations to capture, money to give back.
create index deposit_open_idx on deposit (state) where state in ('unpaid', 'charging', 'authorized', 'return_due');
-- Webhooks name a transaction.
create index deposit_trans_idx on deposit (trans_id) where trans_id is not null;

-- One charge attempt: a nonce sent with an idempotency key the page made. The same key again
-- answers this attempt's outcome; it is never charged twice.
create table deposit_attempt (
  id bigint generated always as identity primary key,
  booking_id uuid not null references deposit (booking_id) on delete cascade,
  idempotency_key text not null,
  -- invoiceNumberOf(booking, key): how a charge whose answer was lost is found at Authorize.Net.
  invoice_number text not null unique,
  -- charging: sent, no answer yet (or the process died); approved; declined (outcome says why);
  -- not_charged: its answer was lost and Authorize.Net has no such transaction.
  state text not null check (state in ('charging', 'approved', 'declined', 'not_charged')),
  outcome text,
  trans_id text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (booking_id, idempotency_key)
);

-- At most one charge out per deposit, whatever the requests racing for it read.
create unique index deposit_attempt_one_charging on deposit_attempt (booking_id) where state = 'charging';
