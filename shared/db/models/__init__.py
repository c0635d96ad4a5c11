"""Every table model; importing this registers them all on `Base.metadata`."""

from shared.db.models.api_keys import ApiKey

__all__ = ["ApiKey"]
