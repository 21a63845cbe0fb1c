-- Running balances of the orgs' credit accounts, kept by a trigger on every posting so that an
-- SMS send reads one row instead of summing every posting the org ever made (a sum that grows with
-- each message). The postings stay the truth: the trigger only ever adds what was posted, in the
-- same transaction, and test/credits checks the two agree. System accounts (purchases,
-- consumption, …) are left out on purpose: every org posts to them, so a row for them would
-- serialise all orgs' sends on one lock; they are summed when needed.
create table credit_balance (
  account text primary key,
  balance bigint not null,
  -- The ledger's rules already refuse this; the table refuses it too.
  check (balance >= 0)
);

insert into credit_balance (account, balance)
  select account, sum(amount) from credit_posting where account like 'org:%' group by account;

create function credit_balance_add() returns trigger language plpgsql as $$
begin
  if new.account like 'org:%' then
    -- Update first: an insert's proposed row (a negative amount) would fail the check before any
    -- conflict clause could turn it into an update.
    update credit_balance set balance = balance + new.amount where account = new.account;
    if not found then
      insert into credit_balance (account, balance) values (new.account, new.amount);
    end if;
  end if;
  return null;
end;
$$;

create trigger credit_posting_balance after insert on credit_posting
  for each row execute function credit_balance_add();

-- An org's postings go with its connection (cascade); so do its balances.
create function credit_balance_drop_org() returns trigger language plpgsql as $$
begin
  delete from credit_balance where account in ('org:' || old.org_id || ':available', 'org:' || old.org_id || ':reserved');
  return null;
end;
$$;

create trigger org_connection_credit_balance after delete on org_connection
  for each row execute function credit_balance_drop_org();
