"""The movies skill's tables, on the shared declarative ``Base``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from concierge.storage.models import Base, utcnow


class LastResultsRow(Base):
    """A user's last list (titles or torrents), so "download 2" works after a restart."""

    __tablename__ = "movies_last_results"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "titles" | "torrents"
    query: Mapped[str] = mapped_column(String(300), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
