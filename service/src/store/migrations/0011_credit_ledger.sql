-- The credit ledger (issue 7): append-only, double-entry. An org's balance is never stored; it is
-- the sum of the postings to its accounts (credits/ledger.ts names them and holds the rules).

-- One business event: a purchase, a reservation for an SMS, its consumption or release, a refund,
-- an adjustment. Retrying a request with the same idempotency key finds this row instead of
-- posting twice.
create table credit_transaction (
  id bigint generated always as identity primary key,
  org_id text not null references org_connection (org_id) on delete cascade,
  kind text not null check (kind in ('purchase', 'reserve', 'consume', 'release', 'refund', 'adjustment')),
  idempotency_key text not null check (length(idempotency_key) between 1 and 200),
  -- What it is about: an Authorize.Net transaction id, an sms_message id, who adjusted and why.
  reference text,
  -- Credits; positive except an adjustment, which may take credits away (never zero).
  amount bigint not null check (amount <> 0 and (kind = 'adjustment' or amount > 0)),
  -- What was paid (purchase) or paid back (refund), in the currency's minor units, never a float.
  money_minor bigint check (money_minor >= 0),
  currency text check (currency ~ '^[A-Z]{3}$'),
  -- The purchase a refund pays back.
  refund_of bigint references credit_transaction (id),
  created_at timestamptz not null,
  unique (org_id, idempotency_key),
  check ((money_minor is null) = (currency is null)),
  check (kind <> 'purchase' or money_minor is not null),
  check ((kind = 'refund') = (refund_of is not null))
);

create index credit_transaction_history_idx on credit_transaction (org_id, id desc);
create index credit_transaction_refund_idx on credit_transaction (refund_of) where refund_of is not null;

-- The legs of a transaction: credits moved into (+) or out of (-) an account. Every transaction's
-- postings sum to zero (checked at commit by the constraint trigger below).
create table credit_posting (
  transaction_id bigint not null references credit_transaction (id) on delete cascade,
  account text not null,
  amount bigint not null check (amount <> 0),
  primary key (transaction_id, account)
);

create index credit_posting_account_idx on credit_posting (account);

-- Append-only: rows are never changed or removed, except when the org itself is deleted (its
-- rows go with it through the foreign keys' cascade; by then the parent row is gone). One function
-- per table, since each looks at its own parent.
create function credit_ledger_refuse_change() returns trigger language plpgsql as $$
begin
  raise exception 'the credit ledger is append-only: % on % is not allowed', tg_op, tg_table_name
    using errcode = 'raise_exception';
end;
$$;

create function credit_transaction_delete_with_org() returns trigger language plpgsql as $$
begin
  if exists (select 1 from org_connection where org_id = old.org_id) then
    raise exception 'the credit ledger is append-only: DELETE on credit_transaction is not allowed'
      using errcode = 'raise_exception';
  end if;
  return old;
end;
$$;

create function credit_posting_delete_with_transaction() returns trigger language plpgsql as $$
begin
  if exists (select 1 from credit_transaction where id = old.transaction_id) then
    raise exception 'the credit ledger is append-only: DELETE on credit_posting is not allowed'
      using errcode = 'raise_exception';
  end if;
  return old;
end;
$$;

create trigger credit_transaction_no_update before update on credit_transaction
  for each row execute function credit_ledger_refuse_change();
create trigger credit_posting_no_update before update on credit_posting
  for each row execute function credit_ledger_refuse_change();
create trigger credit_transaction_no_truncate before truncate on credit_transaction
  for each statement execute function credit_ledger_refuse_change();
create trigger credit_posting_no_truncate before truncate on credit_posting
  for each statement execute function credit_ledger_refuse_change();
create trigger credit_transaction_no_delete before delete on credit_transaction
  for each row execute function credit_transaction_delete_with_org();
create trigger credit_posting_no_delete before delete on credit_posting
  for each row execute function credit_posting_delete_with_transaction();

-- Double entry: at commit, the postings of the transaction just written must sum to zero.
create function credit_posting_balanced() returns trigger language plpgsql as $$
begin
  if (select coalesce(sum(amount), 0) from credit_posting where transaction_id = new.transaction_id) <> 0 then
    raise exception 'credit transaction % is unbalanced: its postings do not sum to zero', new.transaction_id
      using errcode = 'check_violation';
  end if;
  return null;
end;
$$;

create constraint trigger credit_posting_balanced after insert on credit_posting
  deferrable initially deferred
  for each row execute function credit_posting_balanced();
