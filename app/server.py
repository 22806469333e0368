"""The sample web app every preview runs: stdlib only, so the image stays small and starts fast.

Listens on ``$PORT`` (the Lambda Web Adapter forwards requests to it), answers ``/health`` for the
adapter's readiness check, and shows which pull request and commit it is serving.
"""

from __future__ import annotations

import html
import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_PORT = 8080


def identity() -> dict[str, str]:
    return {
        "pr": os.environ.get("PREVIEW_PR", ""),
        "commit": os.environ.get("PREVIEW_COMMIT", ""),
        "branch": os.environ.get("PREVIEW_BRANCH", ""),
    }


class Handler(BaseHTTPRequestHandler):
    server_version = "failsafe-preview"
    sys_version = ""

    def do_GET(self) -> None:  # the stdlib's name
        path = self.path.split("?", 1)[0]
        if path == "/health":
            self._send(200, "text/plain; charset=utf-8", b"ok\n")
        elif path == "/api/info":
            self._send(200, "application/json", json.dumps(identity(), sort_keys=True).encode())
        elif path == "/":
            info = identity()
            title = f"Preview of PR #{info['pr']}" if info["pr"] else "failsafe sample app"
            body = (
                "<!doctype html><html><head><meta charset='utf-8'>"
                f"<title>{html.escape(title)}</title></head><body>"
                f"<h1>{html.escape(title)}</h1>"
                f"<p>commit <code>{html.escape(info['commit'] or 'unknown')}</code>"
                f" on branch <code>{html.escape(info['branch'] or 'unknown')}</code></p>"
                "</body></html>\n"
            )
            self._send(200, "text/html; charset=utf-8", body.encode())
        else:
            self._send(404, "text/plain; charset=utf-8", b"not found\n")

    def do_HEAD(self) -> None:
        self.do_GET()

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")  # to CloudWatch through stderr


def main() -> None:
    port = int(os.environ.get("PORT", DEFAULT_PORT))
    host = os.environ.get("HOST", "127.0.0.1")  # the adapter connects on loopback; set HOST=0.0.0.0 for docker run -p
    server = ThreadingHTTPServer((host, port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # Lambda stops the sandbox with SIGTERM
    print(f"listening on {host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
