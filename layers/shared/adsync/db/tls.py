"""What each libpq `sslmode` means for a pg8000 connection: the `ssl_context` to pass.

pg8000 reads its `ssl_context` argument as follows (pg8000.core._make_socket, 1.31):
`False` never asks for TLS; `None` asks, wraps with an unverified context when the
server agrees and goes on in plaintext when it answers "N"; an `SSLContext` asks and
raises InterfaceError("Server refuses SSL") when the server answers "N".

| sslmode     | ssl_context                            | plaintext possible? | verifies     |
| disable     | False                                  | always              | nothing      |
| allow       | None (as prefer, see below)            | if the server says N | nothing      |
| prefer      | None                                   | if the server says N | nothing      |
| require     | context, CERT_NONE                     | never               | nothing (1)  |
| verify-ca   | context, CERT_REQUIRED, no host check  | never               | chain        |
| verify-full | context, CERT_REQUIRED, host check     | never               | chain + name |

Where pg8000 cannot follow libpq to the letter we choose the stronger side:
- libpq's `allow` tries plaintext first and TLS only if that fails; pg8000 cannot retry
  a connection in another mode, so `allow` behaves as `prefer` (TLS whenever offered).
- libpq's `prefer` also retries in plaintext when the TLS handshake itself fails; we do
  not (a failed handshake is an error).
- (1) libpq: with `require`, "if a root CA file exists" the server is verified as with
  verify-ca. We do the same when `sslrootcert` is given explicitly.
- libpq ignores sslmode on Unix-domain sockets (Postgres never offers TLS there); so do
  we, so that the embedded server's socket works with any mode.

The verify modes trust `sslrootcert` (a PEM file, or "system" for the OS store), else
the Amazon RDS CA bundle shipped in the layer (certs/rds-global-bundle.pem).

Why it matters: RDS for PostgreSQL 15 and later defaults `rds.force_ssl` to 1, so a
plaintext client is refused ("Using SSL with a PostgreSQL DB instance", Amazon RDS
User Guide: "By default, RDS for PostgreSQL uses and expects all clients to connect
using SSL/TLS"). This module builds contexts only; it never opens a socket.
"""

import ssl
from importlib import resources

from adsync.config import DatabaseSettings, SslMode
from adsync.errors import ConfigError

RDS_BUNDLE = ("certs", "rds-global-bundle.pem")


def tls_context(settings: DatabaseSettings) -> ssl.SSLContext | bool | None:
    """The `ssl_context` argument for pg8000 that keeps `settings.sslmode`'s promise."""
    mode = settings.sslmode
    if settings.unix_sock is not None or mode is SslMode.DISABLE:
        return False
    if mode in (SslMode.ALLOW, SslMode.PREFER):
        return None
    if mode is SslMode.REQUIRE and settings.sslrootcert is None:
        return _encrypting_only()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, check_hostname on
    context.check_hostname = mode is SslMode.VERIFY_FULL
    _load_roots(context, settings.sslrootcert)
    return context


def _encrypting_only() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _load_roots(context: ssl.SSLContext, sslrootcert: str | None) -> None:
    if sslrootcert == "system":
        context.load_default_certs()
    elif sslrootcert:
        try:
            context.load_verify_locations(cafile=sslrootcert)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"sslrootcert {sslrootcert} is not a readable CA file") from exc
    else:
        bundle = resources.files("adsync").joinpath(*RDS_BUNDLE)
        context.load_verify_locations(cadata=bundle.read_text("ascii"))
