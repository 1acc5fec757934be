"""Database triggers that make the audit table append-only (security.md L-3), per vendor."""

from cocreate.core.triggers import vendor_sql

PG_INSTALL = """
CREATE OR REPLACE FUNCTION cocreate_audit_protect() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('cocreate.audit_purge', true) = 'purge'
     AND OLD.created_at < now() - interval '180 days' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END; $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_append_only ON audit_auditevent;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
  FOR EACH ROW EXECUTE FUNCTION cocreate_audit_protect();
"""
PG_REMOVE = """
DROP TRIGGER IF EXISTS audit_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS cocreate_audit_protect();
"""

SQLITE_INSTALL = [
    "CREATE TABLE IF NOT EXISTS audit_purge_permit (mode varchar(10) NOT NULL)",
    """CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit_auditevent
       WHEN NOT EXISTS (SELECT 1 FROM audit_purge_permit WHERE mode = 'flush')
        AND NOT (EXISTS (SELECT 1 FROM audit_purge_permit WHERE mode = 'purge')
                 AND OLD.created_at < strftime('%Y-%m-%d %H:%M:%f', 'now', '-180 days'))
       BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: DELETE refused'); END""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_no_update",
    "DROP TRIGGER IF EXISTS audit_no_delete",
    "DROP TABLE IF EXISTS audit_purge_permit",
]


install = vendor_sql(postgresql=PG_INSTALL, sqlite=SQLITE_INSTALL)
remove = vendor_sql(postgresql=PG_REMOVE, sqlite=SQLITE_REMOVE)
