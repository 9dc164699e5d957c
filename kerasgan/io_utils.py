"""File helpers: writes that never leave a torn file (a temporary name, then a rename),
and where Keras keeps the files it downloads."""

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


def keras_cache_dirs():
    """Where `keras.utils.get_file` puts downloads (`keras.applications` weights):
    `$KERAS_HOME/models`, else `~/.keras/models`, else `/tmp/.keras/models` when the
    home directory is not writable. The first is where a download would go."""
    bases = [os.environ.get("KERAS_HOME"), os.path.join(os.path.expanduser("~"), ".keras"),
             os.path.join("/tmp", ".keras")]
    return [os.path.join(base, "models") for base in bases if base]
