"""Errors of encryption at rest: both are 503s in the contract's error shape, and a job that
meets one fails with its message. Details name key ids and files, never key material."""

from app.errors import StorageUnavailable


class DataKeyUnavailable(StorageUnavailable):
    """No data key is configured, the one a file names is missing, or it is the wrong key."""

    error = "DataKeyUnavailable"


class DataTampered(StorageUnavailable):
    """An encrypted file failed authentication: altered, truncated or not encrypted."""

    error = "DataIntegrityError"
