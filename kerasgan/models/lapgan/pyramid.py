"""LAPGAN's Laplacian pyramid: the down- and upsampling operators, the pyramid of a batch,
and the pyramid's sides (Denton et al. 2015, Section 2.2)."""

import math

from keras import ops

from kerasgan import validation


def downsample(images):
    """`d(.)`: halves the resolution by averaging 2x2 blocks."""
    return ops.average_pool(images, 2, strides=2, padding="valid")


def upsample(images):
    """`u(.)`: doubles the resolution by bilinear interpolation, the same op as the
    generator's `UpSampling2D(interpolation="bilinear")` layers."""
    height, width = images.shape[1], images.shape[2]
    return ops.image.resize(images, (2 * height, 2 * width), interpolation="bilinear")


def laplacian_pyramid(images, num_levels):
    """The Laplacian pyramid of `images` (Denton et al. 2015, Section 2.2).

    With `I_K = images` and `I_{k-1} = d(I_k)`, level `k >= 1` holds the low-pass
    image `l_k = u(I_{k-1})` and the band `h_k = I_k - l_k`, so `I_k = l_k + h_k`
    and the images are rebuilt from the coarsest image and the bands alone.

    Args:
        images: `[batch, H, W, C]` with `H` and `W` divisible by `2 ** (num_levels - 1)`.
        num_levels: Levels including the coarsest, >= 1.

    Returns:
        `(coarsest, levels)`: the coarsest image `I_0` and, from coarse to fine, one
        `(band, low)` pair per further level.
    """
    scales = [images]
    for _ in range(num_levels - 1):
        scales.insert(0, downsample(scales[0]))
    levels = []
    for k in range(1, num_levels):
        low = upsample(scales[k - 1])
        levels.append((scales[k] - low, low))
    return scales[0], levels


def pyramid_sizes(image_shape, base_size=8):
    """The pyramid's sides, coarse to fine: `base_size, 2 * base_size, ..., side`.

    Raises:
        ValueError: unless the images are square with side `base_size * 2**n`, n >= 1.
    """
    height, width, _ = validation.check_image_shape(image_shape)
    steps = math.log2(height / base_size)
    if height != width or steps < 1 or steps != int(steps):
        raise ValueError(
            f"LAPGAN needs square images whose side is base_size={base_size} times a power "
            f"of two >= 2 (e.g. 32 or 64). Received: image_shape={tuple(image_shape)}"
        )
    return [base_size * 2**k for k in range(int(steps) + 1)]
