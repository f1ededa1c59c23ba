"""Where files live under the data directory; paths stored in the database are relative."""

import uuid
from pathlib import Path


class DataArea:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def prepare(self) -> None:
        for sub in ("tmp", "quarantine"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    def upload_path(self) -> Path:
        """A fresh file for a request body; always deleted when the request ends."""
        return self.root / "tmp" / f"upload-{uuid.uuid4().hex}"

    def new_quarantine_part(self, dataset_id: str) -> str:
        folder = self.root / "quarantine" / dataset_id
        folder.mkdir(parents=True, exist_ok=True)
        return f"quarantine/{dataset_id}/{uuid.uuid4().hex}.parquet"

    def absolute(self, relative: str) -> Path:
        return self.root / relative
