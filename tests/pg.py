"""A throw-away PostgreSQL cluster for the tests: initdb as the ``postgres`` user in a temporary
folder, a free port on 127.0.0.1, trust authentication on loopback only; stopped and removed
after the session. Tests that need it skip cleanly where PostgreSQL is not installed.

Usage: ``cluster = PgCluster.start()``; ``cluster.new_database()`` → a URL of an empty database;
``cluster.stop()``. tests/conftest.py wraps it in the ``pg_cluster`` session fixture."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path


def pg_bin() -> Path | None:
    """The newest installed PostgreSQL's binaries (Debian keeps them out of PATH), or None."""
    explicit = os.environ.get("JIANCHA_PG_BIN")
    if explicit:
        return Path(explicit)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def unavailable() -> str | None:
    """Why a cluster cannot be started here, or None."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg 未安装"
    if pg_bin() is None:
        return "PostgreSQL 未安装（apt install postgresql）"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "以 root 运行但没有 runuser"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(command: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class PgCluster:
    root: Path
    port: int
    bin: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @classmethod
    def start(cls) -> PgCluster:
        binaries = pg_bin()
        assert binaries is not None
        root = Path(tempfile.mkdtemp(prefix="jiancha-pg-"))
        os.chmod(root, 0o755)
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        cluster = cls(root, _free_port(), binaries)
        run = lambda *args: subprocess.run(  # noqa: E731
            _as_postgres([str(a) for a in args]), check=True, capture_output=True, text=True
        )
        run(
            binaries / "initdb",
            "-D",
            cluster.data,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = (
            f"-p {cluster.port} -c listen_addresses=127.0.0.1 -k {root} -c fsync=off -c max_connections=100"
        )
        run(binaries / "pg_ctl", "-D", cluster.data, "-o", options, "-l", root / "log", "-w", "start")
        return cluster

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        subprocess.run(
            _as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)
