"""Bulk rows for the bench's generators: PostgreSQL COPY, with the new ids in row order."""


def copy_rows(cursor, table: str, columns: tuple[str, ...], rows) -> list[int]:
    """COPY `rows` into `table` and return their ids in row order (one sequence, one writer:
    the ids of a COPY are consecutive and in order)."""
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 -- table names are ours
    before = cursor.fetchone()[0]
    with cursor.cursor.copy(_copy_sql(table, columns)) as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute(f"SELECT id FROM {table} WHERE id > %s ORDER BY id", [before])  # noqa: S608
    return [r[0] for r in cursor.fetchall()]


def copy_only(cursor, table: str, columns: tuple[str, ...], rows) -> int:
    """COPY `rows` (rows nobody refers to, such as supports), returning how many."""
    count = 0
    with cursor.cursor.copy(_copy_sql(table, columns)) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _copy_sql(table: str, columns: tuple[str, ...]) -> str:
    quoted = ", ".join(f'"{column}"' for column in columns)  # "order" is a column name too
    return f"COPY {table} ({quoted}) FROM STDIN"
