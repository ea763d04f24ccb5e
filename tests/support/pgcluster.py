"""A throwaway Postgres cluster of our own: TLS with a test CA, passwords checked.

The machine's Postgres trusts every local connection and has TLS off, so it can prove
neither that a connection is encrypted nor that a rotated password is re-read. This
cluster (the distribution's Postgres binaries under /usr/lib/postgresql, as pgserver's
are built without SSL; a free port on 127.0.0.1; a temporary directory removed
afterwards) can: its certificate is issued by a CA made here with `openssl`
for the name `localhost` only, and TCP logins need a SCRAM password. Administration
goes through its Unix socket, which trusts.
"""

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pg8000.native

from adsync.config import DatabaseSettings, SslMode
from adsync.db.connection import connect

SERVER_NAME = "localhost"  # the only name in the server's certificate


@dataclass(frozen=True, kw_only=True)
class Cluster:
    data_dir: Path
    port: int
    socket_dir: Path
    ca_file: Path
    superuser_password: str
    run_as: str | None

    def settings(self, **changes: object) -> DatabaseSettings:
        """The superuser over TCP to 127.0.0.1 (the certificate does not name it)."""
        base = DatabaseSettings(
            host="127.0.0.1",
            port=self.port,
            database="postgres",
            user="postgres",
            password=self.superuser_password,
            sslmode=SslMode.PREFER,
        )
        return replace(base, **changes)  # type: ignore[arg-type]

    def admin(self) -> pg8000.native.Connection:
        """The superuser over the Unix socket (trusted, never TLS)."""
        settings = DatabaseSettings(
            host=None,
            port=self.port,
            database="postgres",
            user="postgres",
            unix_sock=f"{self.socket_dir}/.s.PGSQL.{self.port}",
        )
        return connect(settings, application_name="test-admin")

    def set_ssl(self, enabled: bool) -> None:
        admin = self.admin()
        try:
            admin.run(f"ALTER SYSTEM SET ssl = {'on' if enabled else 'off'}")
        finally:
            admin.close()
        self._pg_ctl("restart", "-w", "-m", "fast")

    def _pg_ctl(self, *args: str) -> None:
        _run(
            [str(_bin("pg_ctl")), "-D", str(self.data_dir), *args, "-l", str(self.log)],
            self.run_as,
        )

    @property
    def log(self) -> Path:
        return self.data_dir.parent / "server.log"


def available() -> bool:
    return _bin("initdb").exists() and shutil.which("openssl") is not None


@contextmanager
def tls_cluster() -> Iterator[Cluster]:
    run_as = _system_user()
    root = Path(tempfile.mkdtemp(prefix="adsync-tls-"))
    try:
        cluster = _create(root, run_as)
        cluster._pg_ctl("start", "-w")
        try:
            yield cluster
        finally:
            cluster._pg_ctl("stop", "-w", "-m", "immediate")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _create(root: Path, run_as: str | None) -> Cluster:
    certs, data, sockets = root / "certs", root / "data", root / "sockets"
    certs.mkdir()
    sockets.mkdir()
    _make_certs(certs)
    password = secrets.token_urlsafe(16)
    pwfile = root / "pwfile"
    pwfile.write_text(password + "\n")
    if run_as is not None:
        shutil.chown(root, run_as)
        for path in (certs, sockets, pwfile, *certs.iterdir()):
            shutil.chown(path, run_as)
    _run(
        [
            str(_bin("initdb")), "-D", str(data), "-U", "postgres", "--encoding=utf8",
            "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}",
        ],
        run_as,
    )  # fmt: skip
    port = _free_port()
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"port = {port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{sockets}'\n"
            f"ssl = on\nssl_cert_file = '{certs / 'server.crt'}'\n"
            f"ssl_key_file = '{certs / 'server.key'}'\n"
        )
    (data / "pg_hba.conf").write_text(
        "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n"
    )
    return Cluster(
        data_dir=data,
        port=port,
        socket_dir=sockets,
        ca_file=certs / "ca.crt",
        superuser_password=password,
        run_as=run_as,
    )


def _make_certs(certs: Path) -> None:
    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=certs, check=True, capture_output=True)

    openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=adsync test CA",
    )  # fmt: skip
    openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key",
        "-out", "server.csr", "-subj", f"/CN={SERVER_NAME}",
    )  # fmt: skip
    (certs / "san.ext").write_text(f"subjectAltName=DNS:{SERVER_NAME}\n")
    openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-out", "server.crt", "-extfile", "san.ext",
    )  # fmt: skip
    os.chmod(certs / "server.key", 0o600)


def _bin(name: str) -> Path:
    """The distribution's Postgres (pgserver's wheel is built without SSL), newest first."""
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=_major, reverse=True)
    return found[0] if found else Path("/nonexistent") / name


def _major(path: Path) -> int:
    version = path.parent.parent.name
    return int(version) if version.isdigit() else 0


def _system_user() -> str | None:
    """initdb and postgres refuse to run as root: run them as `postgres` then."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError("running as root, and there is no postgres user") from None
    return "postgres"


def _run(args: list[str], run_as: str | None) -> None:
    subprocess.run(args, check=True, capture_output=True, user=run_as, timeout=60)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
