"""CycleGAN's layer: reflection padding (Zhu et al. 2017, Appendix 7.2,
https://arxiv.org/abs/1703.10593)."""

import keras
from keras import layers

from kerasgan import validation


@keras.saving.register_keras_serializable(package="kerasgan")
class ReflectionPadding2D(layers.Layer):
    """Pads height and width by mirroring the image at its border, without repeating
    the border pixel (`[a, b, c]` padded by 1 is `[b, a, b, c, b]`).

    CycleGAN's generator pads this way before its convolutions (Zhu et al. 2017,
    Appendix 7.2) "to reduce artifacts" that zero padding leaves at the borders. It is
    `keras.ops.pad(mode="reflect")`, which converts to LiteRT's builtin `MIRROR_PAD`.

    Args:
        padding: Pixels added on each side, >= 1 and smaller than the height and width.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> row = np.array([1, 2, 3], "float32").reshape(1, 1, 3, 1)
    >>> np.asarray(ReflectionPadding2D(1)(np.repeat(row, 2, axis=1)))[0, 0, :, 0]
    array([2., 1., 2., 3., 2.], dtype=float32)
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = validation.check_positive_int("padding", padding)

    def call(self, inputs):
        p = self.padding
        return keras.ops.pad(inputs, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        for side in (height, width):
            if side is not None and side <= self.padding:
                raise ValueError(f"ReflectionPadding2D(padding={self.padding}) needs a height "
                                 f"and width above {self.padding}. Received: input_shape="
                                 f"{tuple(input_shape)}")
        grow = 2 * self.padding
        return (batch, None if height is None else height + grow,
                None if width is None else width + grow, channels)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}
