"""Database triggers that freeze the votes of a closed ballot (security.md §4.1: "after that, a
trigger rejects writes to that poll's ballots"), per vendor. A ballot is frozen once its
`frozen_at` is set by the close; `flush` (tests, demo resets) is let through as for the audit."""

from cocreate.core.triggers import vendor_sql

PG_INSTALL = """
CREATE OR REPLACE FUNCTION cocreate_vote_frozen() RETURNS trigger AS $$
DECLARE
  target bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN target := OLD.ballot_id; ELSE target := NEW.ballot_id; END IF;
  IF EXISTS (SELECT 1 FROM decisions_ballot WHERE id = target AND frozen_at IS NOT NULL)
     OR (TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM decisions_ballot WHERE id = OLD.ballot_id
                                      AND frozen_at IS NOT NULL)) THEN
    RAISE EXCEPTION 'the votes of a closed ballot are frozen: % refused', TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END; $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS vote_frozen ON decisions_vote;
CREATE TRIGGER vote_frozen BEFORE INSERT OR UPDATE OR DELETE ON decisions_vote
  FOR EACH ROW EXECUTE FUNCTION cocreate_vote_frozen();
"""
PG_REMOVE = """
DROP TRIGGER IF EXISTS vote_frozen ON decisions_vote;
DROP FUNCTION IF EXISTS cocreate_vote_frozen();
"""

_FROZEN = "EXISTS (SELECT 1 FROM decisions_ballot WHERE id = {row}.ballot_id AND frozen_at IS NOT NULL)"
_NOT_FLUSHING = "NOT EXISTS (SELECT 1 FROM audit_purge_permit WHERE mode = 'flush')"
SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS vote_frozen_insert BEFORE INSERT ON decisions_vote
       WHEN {_FROZEN.format(row="NEW")}
       BEGIN SELECT RAISE(ABORT, 'the votes of a closed ballot are frozen: INSERT refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS vote_frozen_update BEFORE UPDATE ON decisions_vote
       WHEN {_FROZEN.format(row="OLD")} OR {_FROZEN.format(row="NEW")}
       BEGIN SELECT RAISE(ABORT, 'the votes of a closed ballot are frozen: UPDATE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS vote_frozen_delete BEFORE DELETE ON decisions_vote
       WHEN {_FROZEN.format(row="OLD")} AND {_NOT_FLUSHING}
       BEGIN SELECT RAISE(ABORT, 'the votes of a closed ballot are frozen: DELETE refused'); END""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS vote_frozen_insert",
    "DROP TRIGGER IF EXISTS vote_frozen_update",
    "DROP TRIGGER IF EXISTS vote_frozen_delete",
]


install = vendor_sql(postgresql=PG_INSTALL, sqlite=SQLITE_INSTALL)
remove = vendor_sql(postgresql=PG_REMOVE, sqlite=SQLITE_REMOVE)
