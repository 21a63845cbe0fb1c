-- Per-sender SMS pacing shared by every instance (issue 6). One row per sender (a Messaging
-- Service SID or a number): the earliest time, in microseconds since the epoch on the database's
-- clock, at which its next message may go (GCRA's "theoretical arrival time").
create table sms_rate_limits (
  sender text primary key,
  next_free_us bigint not null
);
