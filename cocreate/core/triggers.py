"""Database triggers installed by migrations, in each vendor's SQL (audit append-only rows,
frozen votes of a closed ballot)."""


def vendor_sql(*, postgresql, sqlite):
    """A migration's RunPython function that runs `postgresql` on PostgreSQL and `sqlite` on
    SQLite: one statement, or a list of them."""
    def apply(apps, schema_editor) -> None:
        run(schema_editor, postgresql if schema_editor.connection.vendor == "postgresql" else sqlite)

    return apply


def run(schema_editor, sql) -> None:
    for statement in [sql] if isinstance(sql, str) else sql:
        # params=None: the SQL is sent as is, so the '%' of plpgsql RAISE and of strftime is
        # not taken for a placeholder (psycopg 3 would refuse "incomplete placeholder").
        schema_editor.execute(statement, params=None)
