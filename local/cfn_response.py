"""`python -m local cfn-response`: stands in for the pre-signed S3 URL CloudFormation
gives a custom resource, so `sam local invoke MigrateFunction` can deliver its answer.

Accepts each PUT, prints its JSON body (Status, Reason, Data) and answers 200, as S3
would. Off AWS only: the migrate function's own protocol lives in
`adsync.services.migrations_resource`.
"""

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Received = Callable[[str, dict[str, Any]], None]


def _handler(received: Received) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {"unparsed": raw.decode("utf-8", "replace")}
            received(self.path, body)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the answer itself is what a developer wants to see

    return Handler


@contextmanager
def serve(received: Received, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Listen in a thread; yield the base URL (`http://host:port`)."""
    server = ThreadingHTTPServer((host, port), _handler(received))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def print_answer(path: str, body: dict[str, Any]) -> None:
    print(f"PUT {path}\n{json.dumps(body, indent=2, sort_keys=True)}", flush=True)


def run(host: str, port: int) -> int:
    stopped = threading.Event()
    with serve(print_answer, host=host, port=port) as url:
        print(f"custom-resource answers accepted on {url} (Ctrl-C to stop)", flush=True)
        with suppress(KeyboardInterrupt):
            stopped.wait()
    return 0
