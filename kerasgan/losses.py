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

import collections

from keras import backend, ops

from kerasgan import validation


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


def matching_aware_discriminator_loss(real_logits, fake_logits, wrong_logits,
                                      real_target=1.0):
    """The matching-aware discriminator loss of GAN-CLS (Reed et al. 2016, Algorithm 1):
    `-log D(x, h) - (log(1 - D(x, h_wrong)) + log(1 - D(G(z, h), h))) / 2`.

    D must call a real image with its own text real, and both a real image with a text
    that does not describe it and a generated image with its text fake; the two fake
    terms share the fake half of the loss (weights 1/2 each), as in the paper.

    Args:
        real_logits: D's logits on real images with their right texts.
        fake_logits: D's logits on generated images with the texts they were made from.
        wrong_logits: D's logits on real images with mismatching texts.
        real_target: Target of the real term; one-sided label smoothing lowers it.

    Returns:
        A scalar tensor.
    """
    return sigmoid_cross_entropy(real_logits, real_target) + 0.5 * (
        sigmoid_cross_entropy(wrong_logits, 0.0) + sigmoid_cross_entropy(fake_logits, 0.0))


# The objectives `GAN(generator_loss=...)` takes: D's output is a logit or a least-squares
# score with a real target that one-sided label smoothing lowers. `least_squares` joins
# below, where it is defined.
GENERATOR_LOSSES = {
    "minimax": minimax_generator_loss,
    "non_saturating": non_saturating_generator_loss,
}
DISCRIMINATOR_LOSSES = {
    "minimax": minimax_discriminator_loss,
    "non_saturating": non_saturating_discriminator_loss,
}


class Objective(collections.namedtuple("Objective", "discriminator generator real_target")):
    """An adversarial objective: its discriminator and generator losses, and whether
    the discriminator loss takes `real_target` (label smoothing) or not (critics whose
    output is a score: Wasserstein, hinge).

    `discriminator(real_logits, fake_logits, **kwargs)` and `generator(fake_logits)`.
    """

    def discriminator_loss(self, real_logits, fake_logits, real_target=1.0):
        """The discriminator loss, with `real_target` where the objective has one."""
        if self.real_target:
            return self.discriminator(real_logits, fake_logits, real_target=real_target)
        return self.discriminator(real_logits, fake_logits)


def get(name, kind="generator"):
    """Looks up a loss function by objective name.

    Every objective of this module: `"minimax"`, `"non_saturating"`,
    `"least_squares"`, `"wasserstein"`, `"hinge"`. A Wasserstein critic needs a
    Lipschitz constraint (clipping or a penalty), which the `wgan` models add.

    Args:
        name: An objective name, e.g. `"non_saturating"`.
        kind: `"generator"`, `"discriminator"`, or `"objective"` for both losses as
            an `Objective`.

    Returns:
        The loss function, or the `Objective`.

    Raises:
        ValueError: if `name` is not a known objective.

    Example:

    >>> get("hinge", "objective").generator is wasserstein_generator_loss
    True
    """
    kinds = ("generator", "discriminator", "objective")
    if kind not in kinds:
        raise ValueError(
            f"`kind` must be 'generator', 'discriminator' or 'objective'. Received: kind={kind!r}"
        )
    if name not in OBJECTIVES:
        label = "" if kind == "objective" else f"{kind}_"
        raise ValueError(
            f"Unknown {kind} loss. Received: {label}loss={name!r}. "
            f"Choices: {', '.join(sorted(OBJECTIVES))}."
        )
    objective = OBJECTIVES[name]
    return objective if kind == "objective" else getattr(objective, kind)


# Conditioning variants: auxiliary classifiers, mutual information, category entropies --
#
# These take logits over classes or codes in the last axis (`[..., K]`) and reduce
# with a mean over every other axis. `marginal_entropy` is the one exception to
# "mean of a per-example term": it is the entropy of the batch's mean prediction, so
# under `tf.distribute` it is estimated on each replica's batch, as the paper
# estimates it on a minibatch.

_HALF_LOG_TWO_PI = 0.9189385332046727  # 0.5 * log(2 pi), the Gaussian's normalizer


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy `-log softmax(logits)[label]` of integer labels.

    Args:
        logits: Tensor `[..., K]` of class logits.
        labels: Integer tensor `[...]` in `[0, K)`.

    Returns:
        A scalar tensor.
    """
    logits = _float_logits(logits)
    labels = ops.cast(labels, "int32")
    return ops.mean(ops.sparse_categorical_crossentropy(labels, logits, from_logits=True))


def auxiliary_classifier_loss(class_logits, labels):
    """AC-GAN class loss: `-log P(C = c | X)`, the negative of `L_C` for one batch.

    Odena et al. 2017, Eq. 2: both players maximise the class log-likelihood
    `L_C`; the discriminator on real and fake images, the generator on fakes.

    Args:
        class_logits: The auxiliary classifier's logits `[..., num_classes]`.
        labels: Integer labels `[...]`: the real labels, or the classes the fakes
            were generated for.

    Returns:
        A scalar tensor.

    Reference:
        Odena, Olah & Shlens, 2017, "Conditional Image Synthesis with Auxiliary
        Classifier GANs", https://arxiv.org/abs/1610.09585
    """
    return softmax_cross_entropy(class_logits, labels)


def mutual_information_categorical_loss(code_logits, codes):
    """InfoGAN's categorical term: `-E[log Q(c | G(z, c))]`.

    The variational lower bound on the mutual information is
    `L_I = E[log Q(c | x)] + H(c)` (Chen et al. 2016, Eq. 5); `H(c)` is fixed by the
    code's prior, so minimising this cross-entropy maximises `L_I`.

    Args:
        code_logits: Q's logits over the code values `[..., num_categories]`.
        codes: The integer codes the images were generated from, `[...]`.

    Returns:
        A scalar tensor, `H(c) - L_I` (`log num_categories - L_I` for a uniform code).

    Reference:
        Chen et al., 2016, "InfoGAN: Interpretable Representation Learning by
        Information Maximizing Generative Adversarial Nets", https://arxiv.org/abs/1606.03657
    """
    return softmax_cross_entropy(code_logits, codes)


def gaussian_code_loss(predicted_mean, codes, stddev=1.0):
    """InfoGAN's continuous term: the negative log-likelihood of the codes under
    Q's factored Gaussian with mean `predicted_mean` and a fixed `stddev`.

    `0.5 * ((c - mu) / stddev)**2 + log(stddev) + 0.5 * log(2 pi)` per code dimension,
    summed over the last axis (the code vector's log-likelihood) and averaged over
    the others. With a fixed variance only the squared error carries gradient.

    Args:
        predicted_mean: Q's means `[..., code_dim]`.
        codes: The continuous codes the images were generated from, same shape.
        stddev: The fixed standard deviation of Q's Gaussian, positive.

    Returns:
        A scalar tensor (negative when the fit is tighter than `stddev`'s scale).
    """
    predicted_mean = _float_logits(predicted_mean)
    codes = ops.cast(codes, predicted_mean.dtype)
    stddev = ops.cast(stddev, predicted_mean.dtype)
    standardized = (codes - predicted_mean) / stddev
    per_dimension = 0.5 * ops.square(standardized) + ops.log(stddev) + _HALF_LOG_TWO_PI
    return ops.mean(ops.sum(per_dimension, axis=-1))


def conditional_entropy(logits):
    """Mean entropy of the predicted class distribution, `E_x[H[p(y | x)]]`.

    Zero for confident (one-hot) predictions, `log K` for uniform ones.

    Args:
        logits: Tensor `[..., K]` of class logits.

    Returns:
        A scalar tensor.
    """
    logits = _float_logits(logits)
    log_probs = ops.log_softmax(logits, axis=-1)
    return -ops.mean(ops.sum(ops.exp(log_probs) * log_probs, axis=-1))


def marginal_entropy(logits, epsilon=1e-8):
    """Entropy of the batch's mean prediction, `H[E_x[p(y | x)]]`.

    `log K` when the batch spreads evenly over the K classes, zero when every
    example predicts the same class. All axes but the last are the batch.

    Args:
        logits: Tensor `[..., K]` of class logits.
        epsilon: Added inside the log so an empty class gives a finite gradient.

    Returns:
        A scalar tensor.
    """
    logits = _float_logits(logits)
    probs = ops.softmax(logits, axis=-1)
    num_classes = ops.shape(logits)[-1]
    marginal = ops.mean(ops.reshape(probs, (-1, num_classes)), axis=0)
    return -ops.sum(marginal * ops.log(marginal + epsilon))


def catgan_discriminator_loss(real_logits, fake_logits):
    """CatGAN discriminator loss, the negative of Springenberg 2015, Eq. 7 for D.

    D maximises `H_X[p(y | D)] - E_x[H[p(y | x, D)]] + E_z[H[p(y | G(z), D)]]`:
    confident on each real example, yet spread over all K classes across the real
    batch, and uncertain on fakes.

    Args:
        real_logits: D's category logits on real images `[..., K]`.
        fake_logits: D's category logits on generated images `[..., K]`.

    Returns:
        A scalar tensor.

    Reference:
        Springenberg, 2015, "Unsupervised and Semi-supervised Learning with
        Categorical Generative Adversarial Networks", https://arxiv.org/abs/1511.06390
    """
    return (
        -marginal_entropy(real_logits)
        + conditional_entropy(real_logits)
        - conditional_entropy(fake_logits)
    )


def catgan_generator_loss(fake_logits):
    """CatGAN generator loss, Springenberg 2015, Eq. 7 for G.

    G minimises `-H_G[p(y | D)] + E_z[H[p(y | G(z), D)]]`: each fake should be
    classified confidently, and the fakes should cover all K classes.

    Args:
        fake_logits: D's category logits on generated images `[..., K]`.

    Returns:
        A scalar tensor.
    """
    return conditional_entropy(fake_logits) - marginal_entropy(fake_logits)


# Objective variants and penalties ------------------------------------------------
#
# Least squares (Mao et al. 2017), Wasserstein (Arjovsky et al. 2017) and hinge
# (Lim & Ye 2017; Miyato et al. 2018) objectives read the discriminator's raw output
# as a score, not as the logit of a probability. The penalties differentiate the
# critic with respect to its input, so they take the critic call as a function and
# use `tf.GradientTape`: they are TensorFlow-only, like the rest of the train step.
#
# Only `least_squares` joins the GENERATOR_LOSSES / DISCRIMINATOR_LOSSES tables that
# `GAN(generator_loss=...)` reads: `real_target` (label smoothing) has no meaning for
# the Wasserstein and hinge critics, and a Wasserstein critic without a Lipschitz
# constraint (clipping, a penalty) diverges. Those two objectives have their own
# models: `wgan`, `wgan_gp`, `sngan`; `get` and `OBJECTIVES` list them all.

import tensorflow as tf  # noqa: E402


def least_squares_discriminator_loss(real_logits, fake_logits, real_target=1.0, fake_target=0.0):
    """Least-squares discriminator loss, `1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2]`.

    The 0-1 coding `a = 0, b = 1` (with `c = 1` for the generator) is Eq. 9 of Mao
    et al., which the paper uses in its experiments. `D` is the raw output, no sigmoid.

    Args:
        real_logits: Discriminator outputs on real images, any shape.
        fake_logits: Discriminator outputs on generated images.
        real_target: `b`, the target for real images. One-sided label smoothing
            lowers it (`1 - label_smoothing`).
        fake_target: `a`, the target for generated images.

    Returns:
        A scalar tensor.

    Reference:
        Mao et al., 2017, "Least Squares Generative Adversarial Networks", ICCV.
        https://arxiv.org/abs/1611.04076
    """
    real_logits = _float_logits(real_logits)
    fake_logits = _float_logits(fake_logits)
    real_target = ops.cast(real_target, real_logits.dtype)
    fake_target = ops.cast(fake_target, fake_logits.dtype)
    return 0.5 * ops.mean(ops.square(real_logits - real_target)) + 0.5 * ops.mean(
        ops.square(fake_logits - fake_target)
    )


def least_squares_generator_loss(fake_logits, target=1.0):
    """Least-squares generator loss, `1/2 E[(D(G(z)) - c)^2]` with `c = 1` (Mao et al. Eq. 9).

    Args:
        fake_logits: Discriminator outputs on generated images.
        target: `c`, the value the generator wants D to output on its images.

    Returns:
        A scalar tensor.
    """
    fake_logits = _float_logits(fake_logits)
    return 0.5 * ops.mean(ops.square(fake_logits - ops.cast(target, fake_logits.dtype)))


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """Wasserstein critic loss, `E[D(G(z))] - E[D(x)]` (Arjovsky et al. 2017, Eq. 3).

    Minimizing it maximizes `E[D(x)] - E[D(G(z))]`, which estimates the Wasserstein-1
    distance (up to a constant) only while `D` is kept Lipschitz: by weight
    clipping (`wgan`) or a gradient penalty (`wgan_gp`).

    Args:
        real_logits: Critic outputs on real images.
        fake_logits: Critic outputs on generated images.

    Returns:
        A scalar tensor: the negated distance estimate.

    Reference:
        Arjovsky, Chintala & Bottou, 2017, "Wasserstein GAN", ICML.
        https://arxiv.org/abs/1701.07875
    """
    return ops.mean(_float_logits(fake_logits)) - ops.mean(_float_logits(real_logits))


def wasserstein_generator_loss(fake_logits):
    """Wasserstein generator loss, `-E[D(G(z))]`; also the hinge generator loss
    (`hinge_generator_loss`, Miyato et al. 2018, Eq. 17).

    Args:
        fake_logits: Critic outputs on generated images.

    Returns:
        A scalar tensor.
    """
    return -ops.mean(_float_logits(fake_logits))


def hinge_discriminator_loss(real_logits, fake_logits):
    """Hinge discriminator loss, `E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]`.

    Miyato et al. 2018, Eq. 16; from Lim & Ye 2017 ("Geometric GAN") and Tran et al. 2017.

    Args:
        real_logits: Discriminator outputs on real images.
        fake_logits: Discriminator outputs on generated images.

    Returns:
        A scalar tensor (non-negative; 0 once every real output is >= 1 and every
        fake output <= -1).

    Reference:
        Miyato et al., 2018, "Spectral Normalization for Generative Adversarial
        Networks", ICLR. https://arxiv.org/abs/1802.05957
    """
    return ops.mean(ops.relu(1.0 - _float_logits(real_logits))) + ops.mean(
        ops.relu(1.0 + _float_logits(fake_logits))
    )


# Miyato et al. 2018, Eq. 17: the hinge game's generator loss is the Wasserstein one.
hinge_generator_loss = wasserstein_generator_loss


def per_example_norm(values, epsilon=1e-12):
    """L2 norm of each example over all non-batch axes, `sqrt(sum(v^2) + epsilon)`.

    `tf.norm` has the gradient `v / |v|`, which is `0 / 0 = NaN` at `v = 0`; the
    `epsilon` under the root makes the gradient `v / sqrt(|v|^2 + epsilon)`, which
    is 0 there. A critic with a flat region (dead ReLUs, saturated outputs) otherwise
    turns a gradient penalty's own gradient into NaN.

    Args:
        values: Tensor `[batch, ...]`.
        epsilon: Small positive number added under the square root.

    Returns:
        Tensor `[batch]`.
    """
    values = _float_logits(values)
    axes = tuple(range(1, len(values.shape)))
    squares = ops.sum(ops.square(values), axis=axes) if axes else ops.square(values)
    return ops.sqrt(squares + epsilon)


def _critic_input_gradients(critic_fn, inputs):
    """`d sum(critic_fn(inputs)) / d inputs`, recorded by any enclosing tape.

    Each example's score depends only on its own input (no batch norm in the
    critic), so summing the scores gives every example its own input gradient.
    """
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        scores = critic_fn(inputs)
    return tape.gradient(scores, inputs)


def _check_seed(seed):
    if seed is None:
        raise ValueError(
            "The penalty draws random points: pass `seed`, a stateless seed (int32 `[2]`). "
            "Received: seed=None"
        )
    return tf.cast(seed, tf.int32)


def gradient_penalty(critic_fn, real, fake, weight=10.0, seed=None, alpha=None,
                     target_norm=1.0, epsilon=1e-12):
    """WGAN-GP penalty, `weight * E[(|grad D(x_hat)|_2 - 1)^2]` (Gulrajani et al. 2017, Eq. 3).

    `x_hat = alpha * x + (1 - alpha) * G(z)` with one `alpha ~ U[0, 1]` per example:
    uniform samples on the lines between real and generated images.

    Call it inside the critic's `GradientTape`: the penalty is differentiated again
    with respect to the critic's weights.

    Args:
        critic_fn: Function from images `[batch, H, W, C]` to scores, e.g.
            `lambda x: critic(x, training=True)`.
        real: Real images.
        fake: Generated images, same shape.
        weight: `lambda`, 10 in the paper.
        seed: Stateless seed, int32 `[2]`, for `alpha`. Under `tf.distribute` give
            each replica its own.
        alpha: Optional interpolation weights `[batch, 1, 1, 1]` (or broadcastable)
            instead of drawing them.
        target_norm: The gradient norm the penalty pulls toward (1: 1-Lipschitz).
        epsilon: Added under the square root of the norm; see `per_example_norm`.

    Returns:
        A scalar tensor: the weighted penalty, a mean over the batch.

    Example:

    >>> import numpy as np, tensorflow as tf
    >>> w = tf.constant([[0.6], [0.8]])  # a linear critic with |w| = 1
    >>> real = np.ones([4, 2], np.float32); fake = np.zeros([4, 2], np.float32)
    >>> float(gradient_penalty(lambda x: tf.matmul(x, w), real, fake, seed=[1, 2])) < 1e-6
    True

    Reference:
        Gulrajani et al., 2017, "Improved Training of Wasserstein GANs", NeurIPS.
        https://arxiv.org/abs/1704.00028
    """
    real = _float_logits(real)
    fake = ops.cast(fake, real.dtype)
    if alpha is None:
        alpha_shape = [tf.shape(real)[0]] + [1] * (len(real.shape) - 1)
        alpha = tf.random.stateless_uniform(alpha_shape, seed=_check_seed(seed), dtype=real.dtype,
                                            alg="philox")
    # The interpolates are data: the penalty constrains D, and sends no gradient to G.
    interpolates = tf.stop_gradient(fake + ops.cast(alpha, real.dtype) * (real - fake))
    norms = per_example_norm(_critic_input_gradients(critic_fn, interpolates), epsilon)
    return weight * ops.mean(ops.square(norms - target_norm))


def dragan_penalty(critic_fn, real, weight=10.0, seed=None, perturbation_scale=0.5,
                   target_norm=1.0, epsilon=1e-12):
    """DRAGAN penalty: the gradient-norm penalty in a noisy neighbourhood of the real data.

    `weight * E[(|grad D(x_hat)|_2 - 1)^2]` with `x_p = x + c * std(x) * U[0, 1]`
    (elementwise; `std` over the whole batch, `c = perturbation_scale`) and
    `x_hat = x + alpha * (x_p - x)`, `alpha ~ U[0, 1]` per example, as in the authors'
    reference code (Kodali et al. 2017, Section 4, with `lambda = 10`, `k = 1`).
    Generated images play no part: the penalty regularizes D only around real data.

    Args:
        critic_fn: Function from images to discriminator logits.
        real: Real images `[batch, H, W, C]`.
        weight: `lambda`, 10 in the paper.
        seed: Stateless seed, int32 `[2]`, for the perturbation and `alpha`.
        perturbation_scale: `c`, 0.5 in the paper's code.
        target_norm: `k`, 1 in the paper.
        epsilon: Added under the square root of the norm; see `per_example_norm`.

    Returns:
        A scalar tensor: the weighted penalty, a mean over the batch.

    Reference:
        Kodali, Abernethy, Hays & Kira, 2017, "On Convergence and Stability of GANs".
        https://arxiv.org/abs/1705.07215
    """
    real = _float_logits(real)
    seed = _check_seed(seed)
    noise_seed = tf.random.experimental.stateless_fold_in(seed, 0)
    alpha_seed = tf.random.experimental.stateless_fold_in(seed, 1)
    noise = tf.random.stateless_uniform(tf.shape(real), seed=noise_seed, dtype=real.dtype,
                                        alg="philox")
    perturbed = real + perturbation_scale * ops.std(real) * noise
    alpha_shape = [tf.shape(real)[0]] + [1] * (len(real.shape) - 1)
    alpha = tf.random.stateless_uniform(alpha_shape, seed=alpha_seed, dtype=real.dtype,
                                        alg="philox")
    # The perturbation is data, not a function of D's weights: no gradient through std(x).
    interpolates = tf.stop_gradient(real + alpha * (perturbed - real))
    norms = per_example_norm(_critic_input_gradients(critic_fn, interpolates), epsilon)
    return weight * ops.mean(ops.square(norms - target_norm))


def r1_penalty(critic_fn, real, gamma=10.0):
    """R1 regularizer, `gamma / 2 * E[|grad D(x)|^2]` on real data (Mescheder et al. 2018, Eq. 9).

    Pushes D's gradient to zero on the data manifold; used with the non-saturating
    loss. No square root, so no `epsilon` is needed.

    Args:
        critic_fn: Function from images to discriminator logits.
        real: Real images `[batch, H, W, C]`.
        gamma: `gamma` of the paper; the penalty is `gamma / 2` times the mean
            squared gradient norm.

    Returns:
        A scalar tensor.

    Reference:
        Mescheder, Geiger & Nowozin, 2018, "Which Training Methods for GANs do
        actually Converge?", ICML. https://arxiv.org/abs/1801.04406
    """
    real = _float_logits(real)
    gradients = _critic_input_gradients(critic_fn, real)
    axes = tuple(range(1, len(gradients.shape)))
    squared_norms = ops.sum(ops.square(gradients), axis=axes) if axes else ops.square(gradients)
    return 0.5 * gamma * ops.mean(squared_norms)


def feature_matching_loss(real_features, fake_features):
    """Feature matching, `|E f(x) - E f(G(z))|^2` (Salimans et al. 2016, Section 3.1).

    The generator matches the batch mean of the discriminator's intermediate
    features `f` on real data instead of maximising its output; the real features
    are a target (no gradient flows into them).

    Args:
        real_features: `[batch, ...]` features of real images.
        fake_features: `[batch, ...]` features of generated images.

    Returns:
        A scalar tensor: the squared L2 distance of the two batch means, averaged
        over features (a mean, not a sum, so its scale does not grow with width).

    Reference:
        Salimans et al., 2016, "Improved Techniques for Training GANs", NeurIPS.
        https://arxiv.org/abs/1606.03498
    """
    real_mean = ops.mean(ops.stop_gradient(_float_logits(real_features)), axis=0)
    fake_mean = ops.mean(_float_logits(fake_features), axis=0)
    return ops.mean(ops.square(real_mean - fake_mean))


GENERATOR_LOSSES["least_squares"] = least_squares_generator_loss
DISCRIMINATOR_LOSSES["least_squares"] = least_squares_discriminator_loss

#: Every adversarial objective by name, for `get`.
OBJECTIVES = {
    **{name: Objective(DISCRIMINATOR_LOSSES[name], GENERATOR_LOSSES[name], True)
       for name in GENERATOR_LOSSES},
    "wasserstein": Objective(wasserstein_discriminator_loss, wasserstein_generator_loss, False),
    "hinge": Objective(hinge_discriminator_loss, hinge_generator_loss, False),
}


def l1_loss(outputs, targets):
    """Mean absolute difference `E|y - G(x)|`, the pix2pix reconstruction term (Isola
    et al. 2017, Eq. 3): L1 rather than L2 because it blurs less. Any rank.

    Args:
        outputs: Generated images.
        targets: The images they should equal, same shape.

    Returns:
        A scalar tensor (non-negative), in float32.
    """
    outputs = ops.cast(outputs, "float32")
    return ops.mean(ops.abs(ops.cast(targets, "float32") - outputs))


def mse_loss(outputs, targets):
    """Mean squared difference `E(y - G(x))^2`, SRGAN's pixel-wise content loss
    (Ledig et al. 2017, Eq. 4) and, on feature maps, its VGG loss (Eq. 5). Any rank.

    Args:
        outputs: Generated images (or their features).
        targets: What they should equal, same shape.

    Returns:
        A scalar tensor (non-negative), in float32.
    """
    outputs = ops.cast(outputs, "float32")
    return ops.mean(ops.square(ops.cast(targets, "float32") - outputs))


# Autoencoder objectives (VAE, AAE) ----------------------------------------------------

#: The reconstruction losses `AAE` takes, on images in [-1, 1].
RECONSTRUCTION_LOSSES = ("mse", "l1")


def gaussian_kl_divergence(mean, log_variance):
    """`KL(N(mean, exp(log_variance)) || N(0, I))`, summed over the latent axis and
    averaged over the batch (Kingma & Welling 2014, Appendix B):
    `0.5 * sum(exp(log_variance) + mean**2 - 1 - log_variance)`.

    Args:
        mean: Posterior means `[batch, latent_dim]`.
        log_variance: Posterior log-variances, same shape.

    Returns:
        A scalar tensor, >= 0.
    """
    mean = ops.cast(mean, "float32")
    log_variance = ops.cast(log_variance, "float32")
    per_dimension = ops.exp(log_variance) + ops.square(mean) - 1.0 - log_variance
    return ops.mean(0.5 * ops.sum(per_dimension, axis=-1))


def gaussian_reconstruction_loss(images, reconstructions, stddev=0.1):
    """`-log p(x | z)` under a Gaussian decoder with a fixed `stddev` per pixel, without
    its constant: `sum((x - x_hat)**2) / (2 * stddev**2)` over the pixels of each image,
    averaged over the batch.

    Args:
        images: Real images `[batch, H, W, C]` in [-1, 1].
        reconstructions: The decoder's means, same shape.
        stddev: The decoder's fixed standard deviation, in the images' units.

    Returns:
        A scalar tensor, >= 0.
    """
    images = ops.cast(images, "float32")
    reconstructions = ops.cast(reconstructions, "float32")
    squared = ops.sum(ops.reshape(ops.square(images - reconstructions),
                                  (ops.shape(images)[0], -1)), axis=-1)
    return ops.mean(squared) / (2.0 * stddev**2)


def reconstruction_loss(images, reconstructions, kind="mse"):
    """The autoencoder's reconstruction error, a mean over pixels and batch:
    `mean((x - x_hat)**2)` for `"mse"` (the paper's Euclidean cost) or
    `mean(|x - x_hat|)` for `"l1"`.

    Args:
        images: Images `[batch, H, W, C]` in [-1, 1].
        reconstructions: The decoder's output, same shape.
        kind: `"mse"` or `"l1"`.

    Returns:
        A scalar tensor, >= 0.
    """
    validation.check_choice("reconstruction", kind, RECONSTRUCTION_LOSSES)
    difference = ops.cast(images, "float32") - ops.cast(reconstructions, "float32")
    return ops.mean(ops.square(difference) if kind == "mse" else ops.abs(difference))
