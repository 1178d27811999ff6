"""SQLite storage for everything Exact would keep in its database.

All entities share one ``records`` table (division, entity, id, ts, JSON data).
``seq`` (the rowid) gives a stable insertion order for keyset paging, ``ts`` is
the per-division rowversion counter that the sync endpoints expose as
``Timestamp`` (reference §6.7).  One connection guarded by a lock: the sandbox
is a test double, correctness beats concurrency.
"""
import json
import sqlite3
import threading

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY,
    division INTEGER NOT NULL,
    entity TEXT NOT NULL,
    id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS ux_records_id ON records (division, entity, id);
CREATE INDEX IF NOT EXISTS ix_records_entity ON records (division, entity);
CREATE INDEX IF NOT EXISTS ix_records_ts ON records (division, ts);
CREATE INDEX IF NOT EXISTS ix_records_code ON records (division, entity, json_extract(data, '$.Code') COLLATE NOCASE);
CREATE TABLE IF NOT EXISTS counters (division INTEGER PRIMARY KEY, ts INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS kv (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Store:
    def __init__(self, path: str | None = None):
        self.path = path or ":memory:"
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA synchronous=OFF")
        if self.path != ":memory:":
            self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.executescript(SCHEMA)

    # -- transactions ---------------------------------------------------
    def transaction(self):
        return _Transaction(self)

    def wipe(self) -> None:
        with self.lock:
            self.conn.executescript("DELETE FROM records; DELETE FROM counters;")

    # -- key/value (apps, division settings) ----------------------------
    def kv_get(self, name: str, default=None):
        with self.lock:
            row = self.conn.execute("SELECT value FROM kv WHERE name = ?", (name,)).fetchone()
        return json.loads(row[0]) if row else default

    def kv_set(self, name: str, value) -> None:
        with self.lock:
            self.conn.execute("INSERT OR REPLACE INTO kv (name, value) VALUES (?, ?)", (name, json.dumps(value)))

    def kv_delete(self, prefix: str) -> None:
        with self.lock:
            self.conn.execute("DELETE FROM kv WHERE name LIKE ?", (prefix + "%",))

    def kv_names(self, prefix: str) -> list[str]:
        with self.lock:
            rows = self.conn.execute("SELECT name FROM kv WHERE name LIKE ? ORDER BY name", (prefix + "%",))
            return [row[0] for row in rows]

    # -- rowversion -----------------------------------------------------
    def next_timestamps(self, division: int, count: int = 1) -> int:
        """Reserve ``count`` consecutive Timestamps and return the first."""
        with self.lock:
            row = self.conn.execute("SELECT ts FROM counters WHERE division = ?", (division,)).fetchone()
            current = row[0] if row else 1  # Exact: first sync starts at "Timestamp gt 1" (reference §6.7)
            self.conn.execute("INSERT OR REPLACE INTO counters (division, ts) VALUES (?, ?)",
                              (division, current + count))
            return current + 1

    def move_division(self, division: int, moved_ms: int) -> None:
        """Exact moves a division to another database: its Timestamps are generated anew, from
        the start (reference §6.7, system/Divisions ``DivisionMoveDate``: "resync all data when
        this changes because Timestamp is regenerated"), and DivisionMoveDate is set."""
        with self.lock:
            rows = self.conn.execute("SELECT seq FROM records WHERE division = ? ORDER BY ts",
                                     (division,)).fetchall()
            self.conn.executemany("UPDATE records SET ts = ? WHERE seq = ?",
                                  [(2 + n, seq) for n, (seq,) in enumerate(rows)])
            self.conn.execute("INSERT OR REPLACE INTO counters (division, ts) VALUES (?, ?)",
                              (division, 1 + len(rows)))
            record = self.get(division, "Divisions", str(division))
            if record is not None:
                record["DivisionMoveDate"] = moved_ms
                self.conn.execute("UPDATE records SET data = ? WHERE division = ? AND entity = ? AND id = ?",
                                  (json.dumps(record), division, "Divisions", str(division)))

    # -- records --------------------------------------------------------
    def insert_many(self, division: int, entity: str, rows: list[tuple[str, dict]]) -> None:
        with self.lock:
            first = self.next_timestamps(division, len(rows))
            self.conn.executemany(
                "INSERT INTO records (division, entity, id, ts, data) VALUES (?, ?, ?, ?, ?)",
                [(division, entity, key, first + n, json.dumps(data)) for n, (key, data) in enumerate(rows)])

    def insert(self, division: int, entity: str, key: str, data: dict) -> int:
        with self.lock:
            ts = self.next_timestamps(division)
            self.conn.execute("INSERT INTO records (division, entity, id, ts, data) VALUES (?, ?, ?, ?, ?)",
                              (division, entity, str(key), ts, json.dumps(data)))
            return ts

    def update(self, division: int, entity: str, key: str, data: dict) -> int:
        with self.lock:
            ts = self.next_timestamps(division)
            self.conn.execute("UPDATE records SET data = ?, ts = ? WHERE division = ? AND entity = ? AND id = ?",
                              (json.dumps(data), ts, division, entity, str(key)))
            return ts

    def delete(self, division: int, entity: str, key: str) -> None:
        with self.lock:
            self.conn.execute("DELETE FROM records WHERE division = ? AND entity = ? AND id = ?",
                              (division, entity, str(key)))

    def get(self, division: int, entity: str, key) -> dict | None:
        with self.lock:
            row = self.conn.execute("SELECT data FROM records WHERE division = ? AND entity = ? AND id = ?",
                                    (division, entity, str(key))).fetchone()
        return json.loads(row[0]) if row else None

    def find(self, division: int, entity: str, field: str, value) -> dict | None:
        """First record whose ``field`` equals ``value``, case-insensitively like Exact's SQL Server.

        The NOCASE collation matches ix_records_code, so Code look-ups stay indexed.
        """
        sql = (f"SELECT data FROM records WHERE division = ? AND entity = ? "
               f"AND json_extract(data, '$.{field}') = ? COLLATE NOCASE LIMIT 1")
        with self.lock:
            row = self.conn.execute(sql, (division, entity, value)).fetchone()
        return json.loads(row[0]) if row else None

    def seq_of(self, division: int, entity: str, key: str) -> int | None:
        with self.lock:
            row = self.conn.execute("SELECT seq FROM records WHERE division = ? AND entity = ? AND id = ?",
                                    (division, entity, str(key))).fetchone()
        return row[0] if row else None

    def select(self, sql: str, params: list) -> list[tuple]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def count_by_entity(self) -> dict:
        rows = self.select("SELECT division, entity, COUNT(*) FROM records GROUP BY division, entity", [])
        counts: dict = {}
        for division, entity, count in rows:
            counts.setdefault(str(division), {})[entity] = count
        return counts


class _Transaction:
    def __init__(self, store: Store):
        self.store = store

    def __enter__(self):
        self.store.lock.acquire()
        self.store.conn.execute("BEGIN")
        return self.store

    def __exit__(self, exc_type, exc, tb):
        try:
            self.store.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.store.lock.release()
