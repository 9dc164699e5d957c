"""Argument checks shared by models, data and scripts. Each error names the argument
and echoes the value, in the Keras style: "`latent_dim` must be positive. Received: latent_dim=0"."""

import numbers

import numpy as np


def check_positive_int(name, value):
    """Raises ValueError unless `value` is an int > 0. Returns `value`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
    return int(value)


def check_optional_num_classes(num_classes):
    """`num_classes` is None (unconditional) or an int >= 2. Returns it as int or None."""
    if num_classes is None:
        return None
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) or num_classes < 2:
        raise ValueError(
            f"`num_classes` must be None or an integer >= 2. Received: num_classes={num_classes!r}"
        )
    return int(num_classes)


def check_fraction(name, value, upper_inclusive=False):
    """Raises ValueError unless 0 <= value < 1 (or <= 1). Returns float(value)."""
    ok = isinstance(value, numbers.Real) and 0.0 <= value and (
        value <= 1.0 if upper_inclusive else value < 1.0
    )
    if not ok:
        bound = "]" if upper_inclusive else ")"
        raise ValueError(f"`{name}` must be in [0, 1{bound}. Received: {name}={value!r}")
    return float(value)


def check_image_shape(image_shape):
    """`image_shape` is `(height, width, channels)` of positive ints. Returns it as a tuple."""
    try:
        shape = tuple(image_shape)
    except TypeError:
        shape = None
    if (
        shape is None
        or len(shape) != 3
        or any(isinstance(d, bool) or not isinstance(d, numbers.Integral) or d <= 0 for d in shape)
    ):
        raise ValueError(
            "`image_shape` must be (height, width, channels) of positive integers. "
            f"Received: image_shape={image_shape!r}"
        )
    return tuple(int(d) for d in shape)


def check_int_at_least(name, value, minimum):
    """Raises ValueError unless `value` is an int >= `minimum`. Returns `value`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(
            f"`{name}` must be an integer >= {minimum}. Received: {name}={value!r}"
        )
    return int(value)


def check_non_negative_number(name, value):
    """Raises ValueError unless `value` is a finite real number >= 0. Returns float(value)."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not 0.0 <= value < float("inf")):
        raise ValueError(
            f"`{name}` must be a finite number >= 0. Received: {name}={value!r}"
        )
    return float(value)


def check_positive_number(name, value):
    """Raises ValueError unless `value` is a finite real number > 0. Returns float(value)."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not 0.0 < value < float("inf")):
        raise ValueError(f"`{name}` must be a finite number > 0. Received: {name}={value!r}")
    return float(value)


def check_choice(name, value, choices):
    """Raises ValueError unless `value` is one of `choices`. Returns `value`."""
    if value not in choices:
        raise ValueError(
            f"`{name}` must be one of {', '.join(map(repr, choices))}. Received: {name}={value!r}"
        )
    return value


def check_categories(name, values, num_images, num_values):
    """Validates class-like ids (labels, InfoGAN codes): one int for all images or one
    per image, each in `[0, num_values)`. Returns them as an int32 numpy array.

    Raises:
        ValueError: naming `name` and the first bad value or the wrong shape.
    """
    values = np.asarray(values)
    if values.ndim == 0:
        values = np.full([num_images], values)
    if values.shape != (num_images,) or not np.issubdtype(values.dtype, np.integer):
        raise ValueError(
            f"`{name}` must be {num_images} integers. Received: {name} with shape "
            f"{values.shape} and dtype {values.dtype}"
        )
    bad = values[(values < 0) | (values >= num_values)]
    if bad.size:
        raise ValueError(f"`{name}` must be in [0, {num_values}). Received: {name}={bad[0]}")
    return values.astype(np.int32)


def check_bool(name, value):
    """Raises ValueError unless `value` is a bool (Python or numpy). Returns bool(value)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"`{name}` must be True or False. Received: {name}={value!r}")
    return bool(value)


def check_conditioning(variant, conditional, num_classes):
    """`num_classes` checked against whether `variant` is class-conditional; returns it."""
    checked = check_optional_num_classes(num_classes)
    if conditional and checked is None:
        raise ValueError(f"{variant} is class-conditional: `num_classes` must be an "
                         f"integer >= 2. Received: num_classes={num_classes!r}")
    if not conditional and checked is not None:
        raise ValueError(f"{variant} is unconditional and takes no labels. Received: "
                         f"num_classes={num_classes!r}. Use a conditional variant such as "
                         "'cgan'.")
    return checked


def check_batch_shape(variant, what, tensor, shape, advice):
    """Raises a ValueError naming `what`, `variant`'s `shape` and the batch's, unless the
    batch's known dimensions are `shape`'s; `advice` says what to do."""
    have = tuple(tensor.shape[1:])
    if len(have) != 3 or any(d is not None and d != e for d, e in zip(have, shape)):
        raise ValueError(f"{variant} was built for {what} of shape {tuple(shape)} "
                         f"but the dataset yields {have}. {advice}")
