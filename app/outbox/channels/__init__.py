"""Delivery channels, a registry keyed by name. A new channel is one module with a class
decorated by ``@register`` (``base.py``); nothing else changes (the rules name channels by these keys)."""
from __future__ import annotations

from app.outbox.channels.base import (CHANNELS, Channel, Delivery, DeliveryError, get_channel,  # noqa: F401
                                      notification_channels, register)

# the shipped channels register themselves
from app.outbox.channels import document, email, inbox, whatsapp  # noqa: E402,F401
