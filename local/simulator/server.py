"""HTTP transport for the gateway: a threaded stdlib server on a background thread.

Owns sockets only: turns HTTP requests into `Request`s, writes `Reply`s, applies delays
and dropped connections. Each request runs on its own thread, so concurrent workers hit
the gateway concurrently (its state is lock-protected). Must not make API decisions.
"""

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

from local.simulator.gateway import Reply, Request

Handle = Callable[[Request], Reply]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a slow-response fault must not hold up stop()
    # socketserver's default backlog of 5 resets connections when dozens of clients
    # connect at once (a main account's 30 shops refreshing side by side); Shopee does not.
    request_queue_size = 128
    handle_request_fn: Handle


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle plus
    # delayed ACKs add ~40 ms to every keep-alive request.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        # Tests and `make simulator` would drown in access lines; counters cover the need.
        pass

    def _serve(self) -> None:
        started = time.monotonic()
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        query: dict[str, str] = {}
        for key, value in parse_qsl(url.query, keep_blank_values=True):
            query.setdefault(key, value)
        reply = self.server.handle_request_fn(
            Request(method=self.command, path=url.path, query=query, body=body)
        )
        payload = json.dumps(reply.body, separators=(",", ":")).encode("utf-8")  # compact
        # The latency is the whole response time, the simulator's own work included (as
        # Shopee's is): a busy simulator must not add its CPU time on top of it.
        remaining = reply.delay_s - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)
        if reply.drop_connection:
            self.close_connection = True
            return
        self.send_response(reply.status)
        if reply.location is not None:
            self.send_header("Location", reply.location)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class SimServer:
    """A running server; `stop()` it or use it as a context manager."""

    def __init__(self, handle: Handle, *, host: str, port: int) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.handle_request_fn = handle
        # A short poll interval keeps stop() fast (the default 0.5 s adds up in tests).
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="shopee-simulator",
            daemon=True,
        )
        self._thread.start()

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "SimServer":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
