"""Per-dataset pseudonym secrets: 32 random bytes made on first use, stored sealed under the
active data key in ``<data_dir>/secrets/`` (never in the database, never derivable from it).

A consumer's extract key is derived from the dataset's secret, so it is covered too. Key
rotation re-wraps the files; the secrets, hence the pseudonyms, never change.
"""

import hashlib
import hmac
import os
import re
from pathlib import Path

from app.config import Settings
from app.crypto.sealed_secret import create_secret, open_secret
from app.crypto.source import keys_for

SECRET_BYTES = 32
FOLDER = "secrets"
_PLAIN_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def secret_file(data_dir: Path, dataset_id: str) -> Path:
    """Dataset ids that are not plain names (``file:x.csv``) are hashed into the file name."""
    stem = dataset_id if _PLAIN_ID.match(dataset_id) else "h-" + _digest(dataset_id)
    return data_dir / FOLDER / f"{stem}.json"


def secret_context(dataset_id: str) -> str:
    return f"pazhou/dataset-secret/1/{dataset_id}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def dataset_secret(settings: Settings, dataset_id: str) -> bytes:
    """The HMAC key for a dataset's pseudonyms: random, stable, sealed at rest."""
    ring = keys_for(settings)
    path = secret_file(settings.data_dir, dataset_id)
    name, context = f"the pseudonym secret of {dataset_id}", secret_context(dataset_id)
    if not path.exists():
        create_secret(path, ring, os.urandom(SECRET_BYTES), context)
    return open_secret(path, ring, context, name)


def recipient_secret(settings: Settings, dataset_id: str, consumer_id: str) -> bytes:
    """The key that re-keys a dataset's pseudonyms for one consumer's extracts."""
    label = b"pazhou/recipient/" + consumer_id.encode("utf-8")
    return hmac.new(dataset_secret(settings, dataset_id), label, hashlib.sha256).digest()
