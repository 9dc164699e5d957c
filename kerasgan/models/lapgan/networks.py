"""LAPGAN's band networks: `G_k` and `D_k` of the levels above the coarsest (Denton et
al. 2015, Section 3)."""

import keras
from keras import layers

from kerasgan import networks


def band_generator(size, channels, filters, name, kernel_size=5):
    """`G_k`: the band of one level from a noise plane and the low-pass image.

    The noise enters as an extra image plane beside the low-pass image (Denton et al.
    2015, Section 3); three stride-1 convolutions (batch norm and ReLU on the hidden
    two) keep the level's resolution and end in a linear band.

    Args:
        size: The level's image side.
        channels: Image channels.
        filters: Width of the hidden convolutions.
        name: Model name.
        kernel_size: Side of the convolution kernels.

    Returns:
        A functional `keras.Model` from `[noise_<size>, low_<size>]` (`[batch, size,
        size, 1]` and `[batch, size, size, channels]`) to the band, like the low image.
    """
    noise = keras.Input(shape=(size, size, 1), name=f"noise_{size}")
    low = keras.Input(shape=(size, size, channels), name=f"low_{size}")
    x = layers.Concatenate(name="low_and_noise")([low, noise])
    for i in range(2):
        x = layers.Conv2D(filters, kernel_size, padding="same", use_bias=False,
                          kernel_initializer=networks.dcgan_initializer(), name=f"conv_{i}")(x)
        x = layers.BatchNormalization(name=f"batch_norm_{i}")(x)
        x = layers.ReLU(name=f"relu_{i}")(x)
    band = layers.Conv2D(channels, kernel_size, padding="same",
                         kernel_initializer=networks.dcgan_initializer(), name="band")(x)
    return keras.Model([noise, low], band, name=name)


def band_discriminator(size, channels, filters, name, kernel_size=5):
    """`D_k`: one logit for a band given its low-pass image (Denton et al. 2015,
    Section 2.3: `D_k` sees `h_k` or `G_k`'s band together with `l_k`).

    Two strided convolutions of `kernel_size` (LeakyReLU(0.2), batch norm on the
    second) and a dense logit.

    Returns:
        A functional `keras.Model` from `[band_<size>, low_<size>]` to `[batch, 1]`.
    """
    band = keras.Input(shape=(size, size, channels), name=f"band_{size}")
    low = keras.Input(shape=(size, size, channels), name=f"low_{size}")
    x = layers.Concatenate(name="band_and_low")([band, low])
    for i in range(2):
        x = layers.Conv2D(filters * 2**i, kernel_size, strides=2, padding="same", use_bias=i == 0,
                          kernel_initializer=networks.dcgan_initializer(),
                          name=f"downsample_{i}")(x)
        if i > 0:
            x = layers.BatchNormalization(name=f"batch_norm_{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"leaky_relu_{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    logits = layers.Dense(1, kernel_initializer=networks.dcgan_initializer(), name="logits")(x)
    return keras.Model([band, low], logits, name=name)
