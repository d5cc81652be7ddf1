"""What a delivery channel is (``Channel``, ``Delivery``, ``DeliveryError``) and the registry the
channels join with ``@register``. The channel modules import this, the package imports them."""
from __future__ import annotations

from dataclasses import dataclass, field

from app.storage.files import FileStore


class DeliveryError(Exception):
    """The row was not delivered. ``permanent``: retrying cannot help (no address, 4xx …)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass
class Delivery:
    """What a channel may use while delivering one row: a file store undone on failure."""

    store: FileStore
    notes: dict = field(default_factory=dict)


class Channel:
    name: str = ""
    # True: the channel's work is written in the same transaction that marks the row sent, so a
    # worker that died mid-way left nothing behind and the row is simply tried again.
    transactional: bool = False
    # True: a repeated attempt is harmless (the receiver deduplicates by the row's key).
    idempotent: bool = False
    # True: the rules may name it in a `notify` effect (document jobs use their own channel).
    notifies: bool = True

    def deliver(self, row, delivery: Delivery) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    @property
    def safe_to_repeat(self) -> bool:
        return self.transactional or self.idempotent


CHANNELS: dict[str, Channel] = {}


def register(cls: type[Channel]) -> type[Channel]:
    CHANNELS[cls.name] = cls()
    return cls


def get_channel(name: str) -> Channel | None:
    return CHANNELS.get(name)


def notification_channels() -> tuple[str, ...]:
    """The channel names a rules file may use in `notify` (the loader checks them)."""
    return tuple(sorted(name for name, channel in CHANNELS.items() if channel.notifies))
