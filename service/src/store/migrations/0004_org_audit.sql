-- Who did what through the org API: one row per state-changing /v1 call (POST, PUT, PATCH, DELETE).
-- Ids and the route only: never a request or response body. It belongs to the connection and goes
-- with it when the org disconnects.

create table org_audit (
  id bigint generated always as identity primary key,
  org_id text not null references org_connection (org_id) on delete cascade,
  -- X-Slotwise-User-Id in its 18-character form (005…).
  user_id text not null check (user_id ~ '^005[0-9A-Za-z]{15}$'),
  -- The method and route pattern, e.g. `POST /v1/org/outbox/:id/retry`.
  action text not null,
  -- The route's :id when it has one (the record or write acted on).
  target_id text,
  status integer not null check (status between 100 and 599),
  at timestamptz not null
);

-- GET /v1/audit: an org's entries, newest first, a page at a time.
create index org_audit_org_at_idx on org_audit (org_id, at desc, id desc);
