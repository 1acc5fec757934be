"""Database triggers that make the contribution ledger append-only (security.md §4.2: corrections
are reversal entries, never edits), per vendor. `flush` (tests, demo resets) is let through as for
the audit table; on PostgreSQL flush truncates, which row triggers do not see."""

from cocreate.core.triggers import vendor_sql

PG_INSTALL = """
CREATE OR REPLACE FUNCTION cocreate_contribution_protect() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'projects_contribution is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END; $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS contribution_append_only ON projects_contribution;
CREATE TRIGGER contribution_append_only BEFORE UPDATE OR DELETE ON projects_contribution
  FOR EACH ROW EXECUTE FUNCTION cocreate_contribution_protect();
"""
PG_REMOVE = """
DROP TRIGGER IF EXISTS contribution_append_only ON projects_contribution;
DROP FUNCTION IF EXISTS cocreate_contribution_protect();
"""

SQLITE_INSTALL = [
    """CREATE TRIGGER IF NOT EXISTS contribution_no_update BEFORE UPDATE ON projects_contribution
       BEGIN SELECT RAISE(ABORT, 'projects_contribution is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS contribution_no_delete BEFORE DELETE ON projects_contribution
       WHEN NOT EXISTS (SELECT 1 FROM audit_purge_permit WHERE mode = 'flush')
       BEGIN SELECT RAISE(ABORT, 'projects_contribution is append-only: DELETE refused'); END""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS contribution_no_update",
    "DROP TRIGGER IF EXISTS contribution_no_delete",
]


install = vendor_sql(postgresql=PG_INSTALL, sqlite=SQLITE_INSTALL)
remove = vendor_sql(postgresql=PG_REMOVE, sqlite=SQLITE_REMOVE)
