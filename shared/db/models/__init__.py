"""Every table model; importing this registers them all on `Base.metadata`."""

from shared.db.models.api_keys import ApiKey
from shared.db.models.watchlists import ListChange, ListEntry, ListVersion

__all__ = ["ApiKey", "ListChange", "ListEntry", "ListVersion"]
