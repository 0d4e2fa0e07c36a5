"""Broadcasts and their deliveries: one row per recipient, so a rerun sends nobody twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from concierge.storage.models import Base, utcnow

SENT, FAILED = "sent", "failed"


class BroadcastRow(Base):
    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(Integer, default=None)  # None: the HTTP API
    token: Mapped[str | None] = mapped_column(String(32), unique=True, default=None)  # per button
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BroadcastDeliveryRow(Base):
    __tablename__ = "broadcast_deliveries"

    broadcast_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(8))  # sent | failed
    reason: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
