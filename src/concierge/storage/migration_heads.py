"""Whether the database is at the migrations' heads, read without importing Alembic.

Every start used to run Alembic's ``upgrade heads``: ~0.2 s of Alembic's and Mako's
import plus loading each revision module, only to find nothing to do (issue 15, P7).
Revision scripts name themselves and their parents in plain assignments
(``revision = "0004_jobs"``, ``down_revision = "0001_core"``); their heads are the
revisions no other names as a parent. A script this reading cannot follow (no literal
revision, a ``depends_on``) makes it answer None, and Alembic decides as before.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

_ASSIGNED = re.compile(r"^(revision|down_revision|depends_on)\s*(?::[^=\n]+)?=\s*(.+)$", re.M)


def script_heads(locations: Iterable[Path]) -> frozenset[str] | None:
    """The head revisions of the scripts in ``locations``, or None when unsure."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for folder in locations:
        for path in sorted(folder.glob("*.py")):
            if path.name == "__init__.py":
                continue
            try:
                found = {
                    k: ast.literal_eval(v.strip())
                    for k, v in _ASSIGNED.findall(path.read_text("utf-8"))
                }
            except (OSError, ValueError, SyntaxError):
                return None
            revision, down = found.get("revision"), found.get("down_revision")
            if not isinstance(revision, str) or found.get("depends_on") is not None:
                return None
            revisions.add(revision)
            if isinstance(down, str):
                parents.add(down)
            elif isinstance(down, tuple) and all(isinstance(d, str) for d in down):
                parents.update(down)
            elif down is not None:
                return None
    return frozenset(revisions - parents) if revisions else None
