"""Writing many rows in few statements, the fast way for each database.

SQLite runs an executemany INSERT in a C loop: fast as it is. On PostgreSQL an executemany is
one statement per row, and a multi-row INSERT spends its time in parameter parsing; COPY
streams the rows in one go, many times faster. COPY skips SQLAlchemy's Python-side column
defaults, so they are filled in here first.
"""
from sqlalchemy import ARRAY, any_, bindparam, select, text

from backoffice.db import db

# Bound parameters per statement: SQLite allows 32766, PostgreSQL 65535.
MAX_PARAMETERS = 30_000


def insert_rows(table, rows):
    """INSERT every row (dicts; missing keys take the column default, else NULL)."""
    if not rows:
        return
    if _is_postgresql():
        rows = _with_defaults(table, rows)
        _copy(table, sorted(rows[0]), rows)
    else:
        keys = set().union(*rows)
        db.session.execute(table.insert(), [{key: row.get(key) for key in keys} for row in rows])


def _with_defaults(table, rows):
    keys = set().union(*rows)
    defaults = {}
    for column in table.columns:
        if column.name in keys or column.default is None or column.primary_key:
            continue
        default = column.default
        defaults[column.name] = default.arg(None) if default.is_callable else default.arg
    return [dict(defaults, **{key: row.get(key) for key in keys}) for row in rows]


def _copy(table, keys, rows):
    driver = db.session.connection().connection.driver_connection
    columns = ", ".join(f'"{key}"' for key in keys)
    with driver.cursor() as cursor:
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[key] for key in keys])


def among(column, values):
    """`column IN (values)` for a batch of up to a few thousand values.

    On PostgreSQL as one array parameter (`= ANY(:values)`): psycopg parses and SQLAlchemy
    casts every parameter of an IN list, a large share of an import's time.
    """
    values = list(values)
    if _is_postgresql():
        return column == any_(bindparam(None, values, type_=ARRAY(column.type), unique=True))
    return column.in_(values)


def update_ids(table, ids, values):
    """UPDATE the rows with these ids to the same `values`, in chunks."""
    ids = list(ids)
    chunk = MAX_PARAMETERS - len(values)
    for start in range(0, len(ids), chunk):
        db.session.execute(table.update().where(among(table.c.id, ids[start:start + chunk]))
                           .values(**values))


# Refresh PostgreSQL's statistics after these many batches of a run (1000 rows each).
ANALYZE_AFTER_BATCHES = (1, 10)


def refresh_statistics(tables, batch_number):
    """PostgreSQL plans from table statistics; a table that grew from empty in this import
    still looks empty to it and gets full scans per batch (quadratic). ANALYZE after the
    first batch, and again after the tenth, keeps the indexes in use. SQLite needs nothing."""
    if batch_number not in ANALYZE_AFTER_BATCHES or not _is_postgresql():
        return
    for table in tables:
        # Only the indexed columns: cheap even beside a wide JSON column, and enough for
        # the row counts and the index choice.
        columns = ", ".join(f'"{name}"' for name in _indexed_columns(table))
        db.session.execute(text(f'ANALYZE "{table.name}" ({columns})'))
    db.session.commit()


def _indexed_columns(table):
    names = {column.name for column in table.primary_key.columns}
    for index in table.indexes:
        names.update(column.name for column in index.columns)
    for constraint in table.constraints:
        names.update(column.name for column in getattr(constraint, "columns", ()))
    return sorted(names)


def relax_durability():
    """PostgreSQL: do not wait for the disk at this transaction's commit.

    A crash may then lose the last batches committed; nothing half-written survives, and the
    next run reads and writes them again (each batch commits with its cursor or its staged
    states). Many times fewer waits on a large import. SQLite: nothing to do.
    """
    if _is_postgresql():
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def _is_postgresql():
    return db.session.get_bind().dialect.name == "postgresql"


def ids_by(column, values):
    """{value: [row ids]} for the rows whose `column` is one of `values` (one query)."""
    found = {}
    values = [value for value in set(values) if value]
    if values:
        for row_id, value in db.session.execute(
                select(column.table.c.id, column).where(among(column, values))):
            found.setdefault(value, []).append(row_id)
    return found
