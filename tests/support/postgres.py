"""A throwaway PostgreSQL cluster for tests and benchmarks: initdb + pg_ctl in a temp folder.

PostgreSQL refuses to run as root, so as root the cluster is made and started as the
`postgres` system user (`runuser`) in a folder that user owns, listening only on a Unix socket
in that folder. The binaries are looked for on PATH and in /usr/lib/postgresql/*/bin; when
none is found, `PostgresNotFound` is raised (a test must fail then, never skip).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

PG_USER = "postgres"


class PostgresNotFound(RuntimeError):
    """No initdb/pg_ctl on this machine: install the `postgresql` package."""


def find_bin_dir() -> Path:
    """Return the folder holding initdb and pg_ctl."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    raise PostgresNotFound(
        "PostgreSQL not found (initdb/pg_ctl): apt-get install -y postgresql (.ci/run does)"
    )


class Cluster:
    """A running cluster: `dsn` connects as the `postgres` user over the socket."""

    def __init__(self, *, durable: bool = False) -> None:
        self.bin = find_bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="xo-pg-"))
        self.data = self.root / "data"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, PG_USER, PG_USER)
        os.chmod(self.root, 0o700)
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", PG_USER, "-A", "trust",
                  "--no-sync", "-E", "UTF8")  # fmt: skip
        # Tests never crash the server, so they spare it the fsyncs (durable=False); a
        # benchmark of commit latency passes durable=True.
        sync = "on" if durable else "off"
        options = (
            f"-c listen_addresses='' -c unix_socket_directories='{self.root}' "
            f"-c max_connections=100 -c shared_buffers=32MB -c fsync={sync} "
            f"-c synchronous_commit={sync} -c full_page_writes={sync}"
        )
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-w",
                  "-t", "60", "-l", str(self.root / "log"), "start")  # fmt: skip
        self.dsn = f"postgresql://{PG_USER}@/postgres?host={self.root}"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", PG_USER, "--"] if self.as_root else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def create_database(self, name: str) -> str:
        """Create a database and return its DSN."""
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://{PG_USER}@/{name}?host={self.root}"

    def stop(self) -> None:
        """Stop the cluster and delete its folder."""
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w",
                      "stop")  # fmt: skip
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


__all__ = ["Cluster", "PostgresNotFound", "find_bin_dir"]
