"""Serving a netboot store over HTTP, with the pixiecore API form (`GET /v1/boot/<mac>`).

`serve_http(store_root, "127.0.0.1", 0)` returns a started server; files are served read-only
from the store (symlinks followed, so `<mac>/boot.ipxe` is the current generation's script).
"""

from __future__ import annotations

import json
import threading
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from elenta.model.names import normalise_mac
from elenta.netboot.render import hexhyp, parse_ipxe_script, pixiecore_boot
from elenta.netboot.store import GENERATIONS, NIX_SCRIPT_NAME, NetbootStore

PIXIECORE_PREFIX = "/v1/boot/"


class StoreRequestHandler(SimpleHTTPRequestHandler):
    """Static files of the store, plus `/v1/boot/<mac>` answered from the MAC's current image."""

    server_version = "elenta-netboot"

    def __init__(self, *args, store: NetbootStore, access_log: Path | None = None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.store = store
        self.access_log = access_log
        super().__init__(*args, directory=str(store.root), **kwargs)

    def log_message(self, format: str, *args) -> None:  # type: ignore[no-untyped-def]
        pass

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """One line per request, `<client> <path> <status>`, when an access log was asked for."""
        if self.access_log is not None:
            with open(self.access_log, "a") as log:
                log.write(f"{self.client_address[0]} {self.path} {getattr(code, 'value', code)}\n")

    def list_directory(self, path):  # type: ignore[no-untyped-def]
        self.send_error(HTTPStatus.NOT_FOUND, "no listing")
        return None

    def do_GET(self) -> None:
        if self.path.startswith(PIXIECORE_PREFIX):
            self._pixiecore(self.path[len(PIXIECORE_PREFIX) :].split("?", 1)[0])
            return
        super().do_GET()

    def _pixiecore(self, raw_mac: str) -> None:
        try:
            mac = normalise_mac(raw_mac)
        except ValueError:
            self.send_error(HTTPStatus.BAD_REQUEST, "not a MAC")
            return
        generation = self.store.current(mac)
        if generation is None:
            self.send_error(HTTPStatus.NOT_FOUND, "no image for this MAC")
            return
        script = self.store.mac_dir(mac) / GENERATIONS / generation / NIX_SCRIPT_NAME
        spec = parse_ipxe_script(script.read_text())
        host = self.headers.get("Host") or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
        body = json.dumps(pixiecore_boot(f"http://{host}/{hexhyp(mac)}", generation, spec)).encode()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve_http(
    store_root: Path, address: str = "127.0.0.1", port: int = 0, access_log: Path | None = None
) -> ThreadingHTTPServer:
    """Start serving the store in a background thread: `srv = serve_http(root); srv.server_port`.

    Stop it with `srv.shutdown(); srv.server_close()`. With `access_log`, each request appends
    `<client> <path> <status>` to that file.
    """
    handler = partial(StoreRequestHandler, store=NetbootStore(store_root), access_log=access_log)
    server = ThreadingHTTPServer((address, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="netboot-http", daemon=True).start()
    return server
