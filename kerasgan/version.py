"""The library's version, in a module of its own so that `export` (model cards) and
`setup.py` read it without importing the `kerasgan` package."""

__version__ = "0.1.0"
