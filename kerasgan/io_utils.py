"""File writes that never leave a torn file: write to a temporary name, then rename."""

import os
import tempfile


def atomic_write_bytes(path, payload):
    """Writes `payload` to `path` so a reader sees the old file or the new one, never half.

    The temporary file sits in the same directory, so `os.replace` is an atomic rename.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(payload)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    return path
