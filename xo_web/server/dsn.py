"""Which outbox a DSN names: a SQLite file (the default) or a PostgreSQL database.

`sqlite:///relative/path.db` and `sqlite:////absolute/path.db` (SQLAlchemy's spelling); query
parameters tune SQLite: `busy_timeout_ms` (how long a writer waits for the lock, 10 s by
default), `max_page_count` (caps the file's size) and `synchronous=normal` (commits survive a
crash of the process but not of the machine: no fsync per commit; the default is `full`).
`postgresql://…` and `postgres://…` are handed to psycopg (libpq's URI and keyword forms). No
DSN means a SQLite file in the per-user data folder.
"""

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from xo_web.errors import ConfigError

DEFAULT_FILE = "outbox.db"
SQLITE_OPTIONS = ("busy_timeout_ms", "max_page_count")
SYNCHRONOUS = ("full", "normal")


@dataclass(frozen=True)
class SqliteTarget:
    """A SQLite outbox: the file and the pragmas asked for."""

    path: Path
    options: dict[str, int] = field(default_factory=dict)
    synchronous: str = "full"


@dataclass(frozen=True)
class PostgresTarget:
    """A PostgreSQL outbox: the libpq connection string."""

    conninfo: str


Target = SqliteTarget | PostgresTarget


def default_path() -> Path:
    """Return the default outbox file: `outbox.db` in the per-user data folder of xo_web."""
    from platformdirs import user_data_path

    return user_data_path("xo_web", appauthor=False) / DEFAULT_FILE


def parse_outbox(dsn: object) -> Target:
    """Return where the outbox lives; raise ConfigError for a DSN it cannot use."""
    if dsn is None:
        return SqliteTarget(default_path())
    if isinstance(dsn, Path):
        return SqliteTarget(dsn)
    if not isinstance(dsn, str) or not dsn.strip():
        raise ConfigError(f"outbox must be a DSN string, not {type(dsn).__name__}")
    scheme = dsn.split(":", 1)[0].lower()
    if scheme in ("postgresql", "postgres") or (scheme == dsn and "=" in dsn):
        return PostgresTarget(dsn)
    if scheme != "sqlite" or not dsn.lower().startswith("sqlite:///"):
        raise ConfigError(
            "outbox must be 'sqlite:///path', 'postgresql://…' or a libpq keyword string; "
            f"got {dsn.split(':', 1)[0]!r}:…"
        )
    parts = urlsplit(dsn)
    raw = unquote(dsn[len("sqlite:///") :].split("?", 1)[0])
    if not raw:
        raise ConfigError("outbox 'sqlite:///' needs a file path")
    options: dict[str, int] = {}
    synchronous = "full"
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key == "synchronous":
            if value.lower() not in SYNCHRONOUS:
                raise ConfigError("outbox: synchronous must be 'full' or 'normal'")
            synchronous = value.lower()
            continue
        if key not in SQLITE_OPTIONS:
            raise ConfigError(f"outbox: SQLite does not know the option {key!r}")
        if not value.isdigit() or int(value) <= 0:
            raise ConfigError(f"outbox: {key} must be a positive whole number")
        options[key] = int(value)
    return SqliteTarget(Path(raw), options, synchronous)


__all__ = ["PostgresTarget", "SqliteTarget", "Target", "default_path", "parse_outbox"]
