"""Database triggers of the funds app, per vendor (security.md §4.2): an approved allocation never
changes (an amendment is a new version that supersedes it), and disbursements are append-only.
`flush` (tests, demo resets) is let through as for the audit table; on PostgreSQL flush
truncates, which row triggers do not see."""

from cocreate.core.triggers import vendor_sql

PG_INSTALL = """
CREATE OR REPLACE FUNCTION cocreate_fund_allocation_protect() RETURNS trigger AS $$
BEGIN
  IF OLD.status = 'approved' THEN
    RAISE EXCEPTION 'an approved funds_allocation never changes: % refused', TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END; $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS fund_allocation_approved_frozen ON funds_allocation;
CREATE TRIGGER fund_allocation_approved_frozen BEFORE UPDATE OR DELETE ON funds_allocation
  FOR EACH ROW EXECUTE FUNCTION cocreate_fund_allocation_protect();
CREATE OR REPLACE FUNCTION cocreate_fund_disbursement_protect() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'funds_disbursement is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END; $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS fund_disbursement_append_only ON funds_disbursement;
CREATE TRIGGER fund_disbursement_append_only BEFORE UPDATE OR DELETE ON funds_disbursement
  FOR EACH ROW EXECUTE FUNCTION cocreate_fund_disbursement_protect();
"""
PG_REMOVE = """
DROP TRIGGER IF EXISTS fund_allocation_approved_frozen ON funds_allocation;
DROP FUNCTION IF EXISTS cocreate_fund_allocation_protect();
DROP TRIGGER IF EXISTS fund_disbursement_append_only ON funds_disbursement;
DROP FUNCTION IF EXISTS cocreate_fund_disbursement_protect();
"""

SQLITE_INSTALL = [
    """CREATE TRIGGER IF NOT EXISTS fund_allocation_no_update BEFORE UPDATE ON funds_allocation
       WHEN OLD.status = 'approved'
       BEGIN SELECT RAISE(ABORT, 'an approved funds_allocation never changes: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS fund_allocation_no_delete BEFORE DELETE ON funds_allocation
       WHEN OLD.status = 'approved' AND NOT EXISTS (SELECT 1 FROM audit_purge_permit WHERE mode = 'flush')
       BEGIN SELECT RAISE(ABORT, 'an approved funds_allocation never changes: DELETE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS fund_disbursement_no_update BEFORE UPDATE ON funds_disbursement
       BEGIN SELECT RAISE(ABORT, 'funds_disbursement is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS fund_disbursement_no_delete BEFORE DELETE ON funds_disbursement
       WHEN NOT EXISTS (SELECT 1 FROM audit_purge_permit WHERE mode = 'flush')
       BEGIN SELECT RAISE(ABORT, 'funds_disbursement is append-only: DELETE refused'); END""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS fund_allocation_no_update",
    "DROP TRIGGER IF EXISTS fund_allocation_no_delete",
    "DROP TRIGGER IF EXISTS fund_disbursement_no_update",
    "DROP TRIGGER IF EXISTS fund_disbursement_no_delete",
]


install = vendor_sql(postgresql=PG_INSTALL, sqlite=SQLITE_INSTALL)
remove = vendor_sql(postgresql=PG_REMOVE, sqlite=SQLITE_REMOVE)
