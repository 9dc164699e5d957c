"""SRGAN's layer: sub-pixel convolution upsampling (Shi et al. 2016)."""

import keras
import tensorflow as tf
from keras import layers

from kerasgan import validation


@keras.saving.register_keras_serializable(package="kerasgan")
class SubPixelUpsampling(layers.Layer):
    """Sub-pixel convolution's shuffle (Shi et al. 2016): rearranges `[b, h, w, c *
    scale**2]` into `[b, h * scale, w * scale, c]` with `tf.nn.depth_to_space`, so
    `output[b, h * scale + i, w * scale + j, k] = input[b, h, w, (i * scale + j) * c + k]`.

    It converts to LiteRT's builtin `DEPTH_TO_SPACE` op.

    Args:
        scale: Upsampling factor, an int >= 2.
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> SubPixelUpsampling(2)(np.zeros((1, 3, 3, 8), "float32")).shape
    TensorShape([1, 6, 6, 2])

    Reference:
        Shi et al., 2016, "Real-Time Single Image and Video Super-Resolution Using an
        Efficient Sub-Pixel Convolutional Neural Network". https://arxiv.org/abs/1609.05158
    """

    def __init__(self, scale=2, **kwargs):
        super().__init__(**kwargs)
        self.scale = validation.check_int_at_least("scale", scale, 2)

    def call(self, inputs):
        return tf.nn.depth_to_space(inputs, self.scale)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        if channels is not None and channels % self.scale**2:
            raise ValueError(f"SubPixelUpsampling(scale={self.scale}) needs channels divisible "
                             f"by {self.scale**2}. Received: input_shape={tuple(input_shape)}")
        return (batch, None if height is None else height * self.scale,
                None if width is None else width * self.scale,
                None if channels is None else channels // self.scale**2)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}
