-- Public bookings: race-free holds on a resource's time, the bookings that take seats in them, their
-- history (times only), and the key manage links are signed with. No personal data: the patient's
-- name, phone and e-mail go to the org (the system of record) and are never stored here.
-- Everything belongs to a connection and goes with it when the org disconnects.

-- Exclusion constraints that mix equality on text with overlap on ranges need btree_gist (on PGlite
-- the extension is loaded by store/pglite.ts).
create extension if not exists btree_gist;

-- A resource's time taken at one start by one appointment type: a capacity-1 type takes a session
-- of one seat; a class is one session whose seats several bookings take.
create table booking_session (
  id bigserial primary key,
  org_id text not null references org_connection (org_id) on delete cascade,
  resource_id text not null,
  type_id text not null,
  start_at timestamptz not null,
  end_at timestamptz not null,
  -- The appointment widened by its type's buffers: the time the resource is not free for others.
  during tstzrange not null,
  capacity integer not null check (capacity >= 1),
  -- Held or confirmed seats, changed only by the statements that add or remove a booking_seat row
  -- (which lock this row), so it cannot pass capacity: the check is the last word.
  seats_taken integer not null default 0 check (seats_taken >= 0 and seats_taken <= capacity),
  -- Sessions of different owners must not overlap on a resource. A session's owner is its own random
  -- key, except that a booking being rescheduled owns both its old and its new session (its booking
  -- key), so moving by less than its own length does not collide with itself.
  owner text not null,
  created_at timestamptz not null,
  -- The race-free part: whichever of two overlapping holds commits second fails here, whatever the
  -- two requests read before. A session with no seats left taken no longer counts.
  constraint booking_session_no_overlap exclude using gist (
    org_id with =, resource_id with =, during with &&, owner with <>
  ) where (seats_taken > 0)
);

-- Joining a class: the active session of this type at this start on this resource.
create index booking_session_start_idx on booking_session (org_id, resource_id, type_id, start_at)
  where seats_taken > 0;

create table booking (
  id uuid primary key,
  org_id text not null references org_connection (org_id) on delete cascade,
  -- Booking_Key__c in the org: stable across reschedules.
  booking_key text not null,
  -- Chosen by the client; cleared when the attempt fails, so the same key may try again.
  idempotency_key text,
  state text not null check (state in ('pending', 'confirmed', 'cancelled', 'failed')),
  type_id text not null,
  resource_id text not null,
  start_at timestamptz not null,
  end_at timestamptz not null,
  -- The zone the patient booked in (shown back on the manage page).
  time_zone text not null,
  -- The Slotwise_Appointment__c id once the org has it.
  appointment_id text,
  -- Manage links carry this; a reschedule bumps it, so links sent before it stop working.
  link_version integer not null default 1,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (org_id, booking_key),
  unique (org_id, idempotency_key)
);

-- A booking's place in a session. 'held' while the org is asked (expires_at bounds a crash there);
-- 'confirmed' once the org has the appointment. Released seats are deleted.
create table booking_seat (
  session_id bigint not null references booking_session (id) on delete cascade,
  seat integer not null,
  capacity integer not null,
  booking_id uuid not null references booking (id) on delete cascade,
  org_id text not null references org_connection (org_id) on delete cascade,
  state text not null check (state in ('held', 'confirmed')),
  expires_at timestamptz,
  primary key (session_id, seat),
  check (seat >= 0 and seat < capacity),
  check (state = 'confirmed' or expires_at is not null)
);

create index booking_seat_booking_idx on booking_seat (booking_id);
create index booking_seat_expiry_idx on booking_seat (org_id, expires_at) where state = 'held';

-- What happened to a booking, for the patient's and the clinic's record: times only.
create table booking_change (
  id bigserial primary key,
  booking_id uuid not null references booking (id) on delete cascade,
  kind text not null check (kind in ('booked', 'rescheduled', 'cancelled')),
  resource_id text not null,
  start_at timestamptz not null,
  end_at timestamptz not null,
  at timestamptz not null
);

create index booking_change_booking_idx on booking_change (booking_id, id);

-- The HMAC key of manage links: one row, 32 random bytes under the envelope, bound to
-- { table: booking_signing_key, column: key_ciphertext, rowId: '1' }.
create table booking_signing_key (
  id integer primary key check (id = 1),
  key_ciphertext bytea not null,
  created_at timestamptz not null
);
