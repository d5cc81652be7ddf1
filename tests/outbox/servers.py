"""Real servers on loopback for the delivery tests: SMTP (aiosmtpd) and a WhatsApp HTTP gateway."""
from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Mail:
    to: list[str]
    subject: str
    body: str
    headers: dict


class _Collector:
    def __init__(self, box: list):
        self.box = box

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content)
        payload = message.get_payload(decode=True) or b""
        self.box.append(Mail(to=list(envelope.rcpt_tos), subject=str(make_header(decode_header(message["Subject"] or ""))),
                             body=payload.decode(message.get_content_charset() or "utf-8", "replace"),
                             headers=dict(message.items())))
        return "250 OK"


@dataclass
class SmtpServer:
    """aiosmtpd on a fixed loopback port that can be stopped and started again."""

    port: int = field(default_factory=free_port)
    received: list[Mail] = field(default_factory=list)
    _controller: Controller | None = None

    def start(self) -> None:
        if self._controller is None:
            self._controller = Controller(_Collector(self.received), hostname="127.0.0.1", port=self.port)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[Mail]:
        return [m for m in self.received if address in m.to]


class _GatewayHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        gateway = self.server.gateway
        gateway.calls.append({"path": self.path, "headers": dict(self.headers.items()),
                              "json": json.loads(body or b"{}")})
        status = gateway.status_codes.pop(0) if gateway.status_codes else 200
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}' if status < 300 else b'{"ok": false}')

    def log_message(self, *args):  # keep the test output clean
        pass


@dataclass
class WhatsAppGateway:
    """A local HTTP server recording every call; ``status_codes`` queues answers (default 200)."""

    calls: list[dict] = field(default_factory=list)
    status_codes: list[int] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _GatewayHandler)
        self._server.gateway = self
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}/send"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
