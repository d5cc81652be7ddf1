"""Operations fixtures: the seed offices and the loopback SMTP / WhatsApp servers (shared with
tests/workflows and tests/outbox), and apps of their own for settings the shared app must keep."""
from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

from tests.outbox.conftest import delivery, gateway, smtp  # noqa: F401  (fixtures)
from tests.outbox.servers import free_port
from tests.workflows.conftest import api_client, offices, rules_data  # noqa: F401  (fixtures)

CORE_RULES = Path(__file__).parent.parent / "core" / "rules" / "workflow_rules.yaml"
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRESQL = PG_URL.startswith("postgresql")


def make_app(tmp_path: Path, database_url: str, **settings):
    """An app of its own (the core tests' small rules file) on ``database_url``, not migrated."""
    from app import create_app
    from config import TestingConfig

    attributes = {"RULES_PATH": str(CORE_RULES), "UPLOAD_FOLDER": str(tmp_path / "uploads"),
                  "SQLALCHEMY_DATABASE_URI": database_url, **settings}
    return create_app(type("OpsConfig", (TestingConfig,), attributes))


def closed_port_url() -> str:
    """A PostgreSQL URL on a loopback port nobody listens on."""
    return f"postgresql://postgres@127.0.0.1:{free_port()}/satupintu_gone"


class TcpProxy:
    """Forwards a loopback port to another; ``stop()`` closes the port and every open connection,
    as a PostgreSQL server that stops would, without touching the shared server."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        if self._listener is not None:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)    # wakes the accept() blocked in its thread
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self._sockets.clear()
