"""ProGAN's layers: the fade-in blend, static-shape nearest upsampling, and the clip the
generator applies outside training (Karras et al. 2018, https://arxiv.org/abs/1710.10196)."""

import keras
from keras import ops

from kerasgan import validation


@keras.saving.register_keras_serializable(package="kerasgan")
class FadeIn(keras.layers.Layer):
    """Blends a new block's output into the old one: `old + alpha * (new - old)`.

    `alpha` is a non-trainable variable of the layer (saved with it), ramped from 0
    to 1 while a new resolution fades in (Karras et al. 2018, Section 2, Figure 2).
    Its aggregation is "only_first_replica", so a train step may assign it under a
    `tf.distribute` strategy.

    Example:

    >>> import numpy as np
    >>> fade = FadeIn()
    >>> _ = fade.alpha.assign(0.25)
    >>> float(fade([np.zeros((1, 2)), 4 * np.ones((1, 2))])[0, 0])
    1.0
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.alpha = self.add_weight(name="alpha", shape=(), initializer="ones",
                                     trainable=False, aggregation="only_first_replica")

    def call(self, inputs):
        old, new = inputs
        alpha = ops.cast(self.alpha, new.dtype)
        return old + alpha * (new - old)

    def compute_output_shape(self, input_shape):
        return input_shape[1]


@keras.saving.register_keras_serializable(package="kerasgan")
class NearestUpSampling2D(keras.layers.Layer):
    """Nearest-neighbour upsampling by an integer `factor` that keeps the static
    shape: a tile and a reshape, where `keras.layers.UpSampling2D`'s repeats leave
    height, width and channels unknown in the exported graph, and the LiteRT
    converter then finds no builtin kernel for the next convolution.

    Args:
        factor: Integer scale of height and width, >= 1.
    """

    def __init__(self, factor=2, **kwargs):
        super().__init__(**kwargs)
        self.factor = validation.check_positive_int("factor", factor)

    def call(self, inputs):
        _, height, width, channels = inputs.shape
        f = self.factor
        x = ops.reshape(inputs, (-1, height, 1, width, 1, channels))
        x = ops.tile(x, (1, 1, f, 1, f, 1))
        return ops.reshape(x, (-1, height * f, width * f, channels))

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        return (batch, height * self.factor, width * self.factor, channels)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@keras.saving.register_keras_serializable(package="kerasgan")
class ClipOutsideTraining(keras.layers.Layer):
    """Identity in training, clip to [-1, 1] otherwise.

    The ProGAN generator's output is linear and the discriminator sees it unclipped
    in training; the authors clip when they turn outputs into images. Clipping in
    inference mode makes `generate`, the TensorBoard grids and the export return
    images in [-1, 1] from the network itself.
    """

    def call(self, inputs, training=False):
        if training:
            return inputs
        return ops.clip(inputs, -1.0, 1.0)

    def compute_output_shape(self, input_shape):
        return input_shape


def nearest_upsample(images, factor):
    """`images` NHWC scaled by the integer `factor` with nearest neighbours (as is at 1)."""
    if factor == 1:
        return images
    return ops.repeat(ops.repeat(images, factor, axis=1), factor, axis=2)


def average_pool(images, factor):
    """`images` NHWC average-pooled by the integer `factor` (as is at 1)."""
    if factor == 1:
        return images
    return ops.average_pool(images, pool_size=factor, strides=factor, padding="valid")
