"""Who did it: timeline and audit actors (``user:7``) as the officer's name, at render time.

Timelines store ``user:<id>`` so a renamed officer shows under the new name; regulator pages
resolve the ids here, in one query. Public pages never call this: they show the office
(``credit.tipoffs.tracking``), never a person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.users import User

_USER = re.compile(r"^user:(\d{1,9})$")


def user_id_of(actor: str | None) -> int | None:
    """``user:7`` → 7; anything else (``system``, ``reporter``, ``public``) → None."""
    match = _USER.match(actor or "")
    return int(match[1]) if match else None


def actor_names(session: Session, actors: Iterable[str | None]) -> dict[str, str]:
    """Each ``user:<id>`` among ``actors`` → that user's name (unknown ids are left out, so
    a page falls back to the stored text)."""
    ids = {i for i in (user_id_of(a) for a in actors) if i is not None}
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.name).where(User.id.in_(ids)))
    return {f"user:{uid}": name for uid, name in rows}
