"""kerasgan: Generative Adversarial Networks as `keras.Model`s that train with `fit`,
log to TensorBoard, and export to SavedModel and LiteRT.

Example:

>>> import kerasgan
>>> model = kerasgan.create_model("dcgan", base_filters=8)
>>> model.compile()
>>> history = model.fit(kerasgan.data.load("digits", batch_size=32), epochs=1, steps_per_epoch=2, verbose=0)
"""

from kerasgan.version import __version__  # noqa: E402, F401

from kerasgan import callbacks, data, evaluation, export, losses, models, networks  # noqa: E402
from kerasgan.registry import create_model, list_models, register_model  # noqa: E402

__all__ = [
    "callbacks",
    "create_model",
    "data",
    "evaluation",
    "export",
    "list_models",
    "losses",
    "models",
    "networks",
    "register_model",
]
