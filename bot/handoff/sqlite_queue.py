"""The embedded queue store: tickets and what lives beside them in one SQLite file."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, List, Union

from bot.handoff.sql_queue import SQLHandoffQueue


class SQLiteHandoffQueue(SQLHandoffQueue):
    """Tickets in a SQLite file; every write is committed before the shopper is told."""

    def __init__(self, path: Union[str, Path]) -> None:
        super().__init__()
        self._path = str(path)
        if self._path != ":memory:":
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None,
                                   timeout=30)
        if self._path != ":memory:":
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")
        with self._transaction() as cursor:
            self._create_schema(cursor)

    def _columns(self, cursor: Any, table: str) -> List[str]:
        cursor.execute(f"PRAGMA table_info({table})")
        return [row[1] for row in cursor.fetchall()]

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        with self._lock:
            cursor = self._db.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")
