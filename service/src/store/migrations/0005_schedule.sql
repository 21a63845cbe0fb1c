-- Booking reads an org's configuration through a cache (schedule/source.ts) and its busy time from
-- the appointment snapshot sync keeps, so a slot request makes no Salesforce call.

-- The type of each synced appointment: its buffers widen the busy time, its capacity makes seats.
alter table appointment_snapshot add column appointment_type_id text;

-- appointmentBusy: an org's live appointments on some resources that overlap a time range.
create index appointment_snapshot_busy_idx on appointment_snapshot (org_id, resource_id, start_at, end_at)
  where not deleted;

-- Sync: everything stamped at or before `settled` has been read (see sync/sync.ts), so queries
-- start there instead of re-reading the minute before the watermark forever.
alter table org_sync_state add column settled timestamptz;
-- Configuration checks: how many rows stamped after `settled` and up to `watermark` the last check
-- saw; more at the next check means a late commit in that window.
alter table org_sync_state add column unsettled_rows integer;

-- The slug index: which connected org a public booking page address belongs to. Written whenever
-- an org's schedule is loaded; a slug stays with the org that claimed it first.
create table booking_page_slug (
  -- Public_Slug__c, lower case.
  slug text primary key,
  org_id text not null unique references org_connection (org_id) on delete cascade,
  updated_at timestamptz not null
);
