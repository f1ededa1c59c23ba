"""Per-dataset keys derived from the server secret, so a database dump never holds them."""

import hashlib
import hmac

from app.config import Settings


def dataset_secret(settings: Settings, dataset_id: str) -> bytes:
    """The HMAC key for a dataset's pseudonyms: stable, and useless without the server secret."""
    master = settings.secret_key.get_secret_value().encode("utf-8")
    return hmac.new(master, b"pazhou/pseudonym/" + dataset_id.encode(), hashlib.sha256).digest()
