"""Adversarial losses as pure functions of discriminator logits.

Every function takes logits of any rank (a vector of scores, or a map of patch
scores), works with `keras.ops` on any backend tensor, and reduces with a mean.
Discriminator losses are `<name>_discriminator_loss(real_logits, fake_logits, ...)`,
generator losses `<name>_generator_loss(fake_logits)`.

Under `tf.distribute`, these means are per replica; the model divides by the number
of replicas before taking gradients so that the update is the global-batch mean.

Reference:
    Goodfellow et al., 2014, "Generative Adversarial Nets",
    https://arxiv.org/abs/1406.2661 (minimax objective, Eq. 1, and the
    non-saturating generator objective of Section 3).
"""

from keras import backend, ops


def _float_logits(logits):
    logits = ops.convert_to_tensor(logits)
    if not backend.is_float_dtype(logits.dtype):
        logits = ops.cast(logits, "float32")
    return logits


def sigmoid_cross_entropy(logits, targets):
    """Mean binary cross-entropy between `sigmoid(logits)` and `targets`.

    Computed from logits as `t * softplus(-x) + (1 - t) * softplus(x)`, which is
    finite for any logit (no `log(0)`).

    Args:
        logits: Tensor of any shape.
        targets: Tensor broadcastable to `logits`, or a scalar, in [0, 1].

    Returns:
        A scalar tensor.
    """
    logits = _float_logits(logits)
    targets = ops.cast(targets, logits.dtype)
    per_element = targets * ops.softplus(-logits) + (1.0 - targets) * ops.softplus(logits)
    return ops.mean(per_element)


def minimax_discriminator_loss(real_logits, fake_logits, real_target=1.0):
    """Discriminator loss of the original GAN, `-log D(x) - log(1 - D(G(z)))`.

    Args:
        real_logits: Discriminator logits on real images.
        fake_logits: Discriminator logits on generated images.
        real_target: Target for real images. One-sided label smoothing sets it
            below 1 (Salimans et al. 2016, Section 3.4); the fake target stays 0,
            always, since smoothing it moves the optimum of D toward the fakes.

    Returns:
        A scalar tensor: the mean loss on the real batch plus the mean loss on the
        fake batch.
    """
    return sigmoid_cross_entropy(real_logits, real_target) + sigmoid_cross_entropy(
        fake_logits, 0.0
    )


# The non-saturating game changes only the generator's objective.
non_saturating_discriminator_loss = minimax_discriminator_loss


def minimax_generator_loss(fake_logits):
    """Saturating generator loss, `log(1 - D(G(z)))`, as in Eq. 1 of Goodfellow et al.

    Its gradient vanishes when the discriminator confidently rejects the fakes,
    which is why `non_saturating_generator_loss` is the default.

    Args:
        fake_logits: Discriminator logits on generated images.

    Returns:
        A scalar tensor (non-positive).
    """
    return -ops.mean(ops.softplus(_float_logits(fake_logits)))


def non_saturating_generator_loss(fake_logits):
    """Non-saturating generator loss, `-log D(G(z))`.

    Args:
        fake_logits: Discriminator logits on generated images.

    Returns:
        A scalar tensor (non-negative).
    """
    return sigmoid_cross_entropy(fake_logits, 1.0)


GENERATOR_LOSSES = {
    "minimax": minimax_generator_loss,
    "non_saturating": non_saturating_generator_loss,
}
DISCRIMINATOR_LOSSES = {
    "minimax": minimax_discriminator_loss,
    "non_saturating": non_saturating_discriminator_loss,
}


def get(name, kind="generator"):
    """Looks up a loss function by objective name.

    Args:
        name: An objective name, e.g. `"non_saturating"`.
        kind: `"generator"` or `"discriminator"`.

    Returns:
        The loss function.

    Raises:
        ValueError: if `name` is not a known objective.
    """
    tables = {"generator": GENERATOR_LOSSES, "discriminator": DISCRIMINATOR_LOSSES}
    if kind not in tables:
        raise ValueError(
            f"`kind` must be 'generator' or 'discriminator'. Received: kind={kind!r}"
        )
    table = tables[kind]
    if name not in table:
        raise ValueError(
            f"Unknown {kind} loss. Received: {kind}_loss={name!r}. "
            f"Choices: {', '.join(sorted(table))}."
        )
    return table[name]
