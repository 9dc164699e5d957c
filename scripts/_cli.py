"""What every script does first: quiet start-up logs and one-line errors.

Importing this module (every script does, before anything imports TensorFlow) sets
`TF_CPP_MIN_LOG_LEVEL=2` unless the environment already sets it, so TensorFlow's C++
runtime keeps its INFO and WARNING notices to itself.

That variable does not reach everything: each of TensorFlow's two native libraries
(`_pywrap_tensorflow_internal` and the profiler plugin, loaded by `import
tensorflow`) carries its own copy of abseil and logs "Could not find cuda drivers"
while it loads, before TensorFlow reads the variable, and the first device query logs
"failed call to cuInit" as an ERROR on a machine without a GPU. `start()` therefore
imports TensorFlow and lists its devices with the process's stderr passed through a
filter that drops those start-up notices (C++ INFO/WARNING lines and the known
no-GPU errors) and passes everything else on as it comes.

The logs come back with `--verbosity=0` (absl's INFO; or `-v 0`, `--verbosity=info`)
or with `TF_CPP_MIN_LOG_LEVEL=0` in the environment: then nothing is filtered.
"""

import os
import re
import sys
import threading

from absl import app, flags, logging

#: `TF_CPP_MIN_LOG_LEVEL` as the user's environment set it, before this module's default.
USER_TF_LOG_LEVEL = os.environ.get("TF_CPP_MIN_LOG_LEVEL")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# TensorFlow's C++ log lines ("I0000 00:00:1700000000.123  42 file.cc:31] ..."), abseil's
# notice about logging before its initialization, the continuation of the CPU-features
# notice, and the errors a machine without a GPU (or with two CUDA plugins) logs.
_NOISE = re.compile(
    r"^(?:[IW]\d{4} [\d:.]+ +\d+ \S+:\d+\]"
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|To enable the following instructions:.*rebuild TensorFlow"
    r"|E\d{4} [^\]]*\] (?:failed call to cuInit|Unable to register cu\w+ factory"
    r"|computation placer already registered))"
)


def program_name():
    """The running script's file name, e.g. `train.py`, for its error lines."""
    return os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "kerasgan"


def fail(message, exit_code=1, kind="error"):
    """Ends the program with one line `<script>: <kind>: <message>` on stderr."""
    sys.stderr.write(f"{program_name()}: {kind}: {message}\n")
    sys.stderr.flush()
    sys.exit(exit_code)


def parse_flags(argv):
    """`app.run`'s `flags_parser`: parses `argv`, and on a bad flag ends with one
    line naming it (exit code 2, as for any usage error) instead of absl's two."""
    try:
        return flags.FLAGS(argv)
    except flags.Error as error:
        fail(f"{str(error).splitlines()[0]} (--helpshort lists the flags)", exit_code=2)


def verbose_logs():
    """Whether the user asked for TensorFlow's logs: `--verbosity` at INFO (0) or
    more, or `TF_CPP_MIN_LOG_LEVEL` set to 0 or 1 in the environment."""
    verbosity = flags.FLAGS["verbosity"]
    if verbosity.present and verbosity.value >= logging.converter.ABSL_INFO:
        return True
    return USER_TF_LOG_LEVEL is not None and USER_TF_LOG_LEVEL.strip() in ("0", "1")


def start(argv, verbosity=logging.WARNING):
    """Rejects stray positional arguments, sets the log levels, imports TensorFlow quietly.

    Sets absl's verbosity to `verbosity` (unless `--verbosity` was given): TF's
    SavedModel writer and profiler log at INFO. With `--verbosity=0` (INFO) or more,
    TensorFlow's C++ logs are shown too (`TF_CPP_MIN_LOG_LEVEL=0` unless the
    environment sets it). Otherwise TensorFlow is imported here with its start-up
    notices filtered out (see the module docstring).

    Exits with one line (`<script>: error: ...`, exit code 2) if `argv` has arguments
    besides the program name.
    """
    if len(argv) > 1:
        fail(f"unexpected argument(s) {' '.join(argv[1:])}: flags take the form "
             "--name=value (--helpshort lists them)", exit_code=2)
    verbose = verbose_logs()
    if verbose and USER_TF_LOG_LEVEL is None:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0"
    if not flags.FLAGS["verbosity"].present:
        logging.set_verbosity(verbosity)
    if not verbose and "tensorflow" not in sys.modules:
        with filtered_stderr():
            import tensorflow as tf

            tf.config.list_physical_devices()  # loads the device plugins (cuInit) now


class filtered_stderr:
    """Context manager: file descriptor 2 (C++ and Python alike) goes through a pipe
    whose reader thread drops `_NOISE` lines and writes the others to the real stderr
    as they arrive, so an import that fails still says why."""

    def __enter__(self):
        sys.stderr.flush()
        self._saved = os.dup(2)
        read_end, write_end = os.pipe()
        os.dup2(write_end, 2)
        os.close(write_end)
        self._thread = threading.Thread(target=self._pass_on, args=(read_end,), daemon=True)
        self._thread.start()
        return self

    def _pass_on(self, read_end):
        with os.fdopen(read_end, "rb") as pipe:
            for line in pipe:
                if not _NOISE.match(line.decode("utf-8", "replace")):
                    os.write(self._saved, line)

    def __exit__(self, *exc_info):
        sys.stderr.flush()
        os.dup2(self._saved, 2)  # closes the pipe's last write end: the reader sees EOF
        self._thread.join(timeout=10)
        os.close(self._saved)
        return False
