"""A throwaway Postgres that tests may stop and start: the shared server must never be
restarted by a test. The distribution's binaries (as in `pgcluster`), a free port on
127.0.0.1, trust authentication, a temporary directory removed afterwards.
"""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pg8000.native

from tests.support.pgcluster import _bin, _free_port, _run, _system_user


@dataclass(frozen=True, kw_only=True)
class RestartableServer:
    data_dir: Path
    port: int
    run_as: str | None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def create_database(self, name: str) -> str:
        """A new database on this server (gone with the server); its URL."""
        admin = pg8000.native.Connection(user="postgres", host="127.0.0.1", port=self.port)
        try:
            admin.run(f'CREATE DATABASE "{name}"')
        finally:
            admin.close()
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Fast shutdown: every session is terminated, as in a restart or a failover."""
        self._pg_ctl("stop", "-w", "-m", "fast")

    def start(self) -> None:
        self._pg_ctl("start", "-w")

    def _pg_ctl(self, *args: str) -> None:
        log = self.data_dir.parent / "server.log"
        _run([str(_bin("pg_ctl")), "-D", str(self.data_dir), *args, "-l", str(log)], self.run_as)


def available() -> bool:
    return _bin("initdb").exists()


@contextmanager
def restartable_server() -> Iterator[RestartableServer]:
    run_as = _system_user()
    root = Path(tempfile.mkdtemp(prefix="adsync-restart-"))
    try:
        sockets = root / "sockets"
        sockets.mkdir()
        if run_as is not None:
            shutil.chown(root, run_as)
            shutil.chown(sockets, run_as)
        data = root / "data"
        _run(
            [str(_bin("initdb")), "-D", str(data), "-U", "postgres", "--encoding=utf8",
             "--auth=trust"],
            run_as,
        )  # fmt: skip
        port = _free_port()
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{sockets}'\nfsync = off\n"
            )
        server = RestartableServer(data_dir=data, port=port, run_as=run_as)
        server.start()
        try:
            yield server
        finally:
            server._pg_ctl("stop", "-w", "-m", "immediate")
    finally:
        shutil.rmtree(root, ignore_errors=True)
