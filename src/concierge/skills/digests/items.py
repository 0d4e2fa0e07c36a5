"""One line of a digest, as stored with the digest and shown to the user."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel

Section = Literal["match", "series", "release", "person", "news"]
Kind = Literal["daily", "weekly", "now"]
SIZES: dict[str, tuple[int, int]] = {"daily": (3, 5), "now": (3, 5), "weekly": (7, 10)}


class DigestItem(BaseModel):
    key: str  # "movie:693134", "news:<guid>", "match:<hash>": what was shown already
    section: Section
    title: str
    year: int | None = None
    day: date | None = None  # opens / opened / published
    note: str = ""  # the release name and quality, or the feed's title
    url: str | None = None
    facet: str | None = None  # what *Less like this* lowers: genre:<slug>, person:<id>, feed:<url>
    facet_label: str = ""  # the person's name, the feed's title, the genre's slug
    genres: tuple[str, ...] = ()  # slugs, so lowering any of them lowers the item
    score: float = 0.0

    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title
