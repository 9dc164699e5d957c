"""Generator and discriminator builders: functional `keras.Model`s by image size.

Generators take `z` float32 `[batch, latent_dim]` (and `label` int32 `[batch]` when
`num_classes` is set) and return images in [-1, 1]; discriminators take `images`
(and `label`) and return one logit per image, `[batch, 1]`. Inputs are named so
exports keep the names (`z`, `label`, `images`).
"""

import math

import keras
from keras import layers, ops

from kerasgan import layers as kerasgan_layers
from kerasgan import validation
from kerasgan.layers import dcgan_initializer  # noqa: F401  (networks.dcgan_initializer)


def instance_normalization(name=None):
    """Instance normalization (Ulyanov et al. 2016, https://arxiv.org/abs/1607.08022):
    each image's channels normalized over their own height and width, with a learned
    scale and offset per channel, the same in training and inference.

    `keras.layers.GroupNormalization` with one group per channel; it converts to LiteRT
    builtins (MEAN, SQUARE, RSQRT, ...). `epsilon=1e-5`, PyTorch's, which CycleGAN's
    code trained with.
    """
    return layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)


def _latent_and_label_inputs(latent_dim, num_classes, embedding_dim):
    z = keras.Input(shape=(latent_dim,), name="z")
    if not num_classes:
        return [z], z
    label = keras.Input(shape=(), dtype="int32", name="label")
    embedded = layers.Embedding(num_classes, embedding_dim, name="label_embedding")(label)
    return [z, label], layers.Concatenate(name="z_and_label")([z, embedded])


def _image_and_label_inputs(image_shape, num_classes):
    images = keras.Input(shape=image_shape, name="images")
    if not num_classes:
        return [images], images
    label = keras.Input(shape=(), dtype="int32", name="label")
    # Mirza & Osindero 2014 feed y to both players; for a conv net the label becomes
    # one extra input channel, a learned H x W map per class.
    height, width, _ = image_shape
    plane = layers.Embedding(num_classes, height * width, name="label_embedding")(label)
    plane = layers.Reshape((height, width, 1), name="label_plane")(plane)
    return [images, label], layers.Concatenate(name="images_and_label")([images, plane])


def _model_inputs(inputs):
    return inputs[0] if len(inputs) == 1 else inputs


def mlp_generator(latent_dim, image_shape, hidden_units=(256, 512, 1024), num_classes=None,
                  embedding_dim=32, name="generator"):
    """Fully connected generator (Goodfellow et al. 2014).

    Args:
        latent_dim: Size of `z`.
        image_shape: `(height, width, channels)` of the output.
        hidden_units: Widths of the hidden Dense layers.
        num_classes: If set, the generator also takes a `label` input.
        embedding_dim: Size of the label embedding.
        name: Model name.

    Returns:
        A functional `keras.Model`.
    """
    validation.check_image_shape(image_shape)
    inputs, x = _latent_and_label_inputs(latent_dim, num_classes, embedding_dim)
    for i, units in enumerate(hidden_units):
        x = layers.Dense(units, name=f"dense_{i}")(x)
        x = layers.BatchNormalization(name=f"batch_norm_{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"leaky_relu_{i}")(x)
    x = layers.Dense(math.prod(image_shape), activation="tanh", name="to_pixels")(x)
    images = layers.Reshape(tuple(image_shape), name="images")(x)
    return keras.Model(_model_inputs(inputs), images, name=name)


def mlp_discriminator(image_shape, hidden_units=(512, 256), num_classes=None, embedding_dim=32,
                      name="discriminator"):
    """Fully connected discriminator returning one logit per image.

    Args:
        image_shape: `(height, width, channels)` of the input.
        hidden_units: Widths of the hidden Dense layers.
        num_classes: If set, the discriminator also takes a `label` input.
        embedding_dim: Size of the label embedding.
        name: Model name.

    Returns:
        A functional `keras.Model`.
    """
    validation.check_image_shape(image_shape)
    images = keras.Input(shape=image_shape, name="images")
    inputs, x = [images], layers.Flatten(name="flatten")(images)
    if num_classes:
        label = keras.Input(shape=(), dtype="int32", name="label")
        embedded = layers.Embedding(num_classes, embedding_dim, name="label_embedding")(label)
        inputs.append(label)
        x = layers.Concatenate(name="pixels_and_label")([x, embedded])
    for i, units in enumerate(hidden_units):
        x = layers.Dense(units, name=f"dense_{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"leaky_relu_{i}")(x)
    logits = layers.Dense(1, name="logits")(x)
    return keras.Model(_model_inputs(inputs), logits, name=name)


def num_resolution_steps(image_shape, min_size=4):
    """Number of 2x up/downsamplings between `min_size` and the image size.

    Raises:
        ValueError: if the image is not square with a power-of-two side of at least
            `2 * min_size`.
    """
    validation.check_image_shape(image_shape)
    height, width, _ = image_shape
    steps = math.log2(height / min_size) if height > 0 else -1
    if height != width or steps < 1 or steps != int(steps):
        raise ValueError(
            "Convolutional GANs need square images whose side is a power of two, "
            f"at least {2 * min_size} (e.g. 32 or 64). Received: image_shape={tuple(image_shape)}"
        )
    return int(steps)


def dcgan_generator(latent_dim, image_shape, base_filters=64, num_classes=None, embedding_dim=32,
                    name="generator"):
    """DCGAN generator: project to 4x4, then strided transposed convolutions to full size.

    Batch norm and ReLU everywhere except the output, which is `tanh` (Radford et al.
    2015, Section 3). 32x32 images take three upsamplings, 64x64 four.

    Args:
        latent_dim: Size of `z`.
        image_shape: `(height, width, channels)`, square, side a power of two >= 8.
        base_filters: Filters of the last hidden layer; each coarser layer doubles them.
        num_classes: If set, the generator also takes a `label` input (conditional GAN).
        embedding_dim: Size of the label embedding.
        name: Model name.

    Returns:
        A functional `keras.Model`.
    """
    inputs, x = _latent_and_label_inputs(latent_dim, num_classes, embedding_dim)
    return keras.Model(_model_inputs(inputs), dcgan_upsampling(x, image_shape, base_filters),
                       name=name)


def dcgan_upsampling(x, image_shape, base_filters=64):
    """The layers of `dcgan_generator` after its inputs: a dense projection of the
    vector `x` to 4x4, strided transposed convolutions (batch norm, ReLU) and a `tanh`
    output of `image_shape`. Generators with other inputs (text2image's `[z, text]`)
    build on it.

    Args:
        x: A symbolic `[batch, features]` tensor.
        image_shape: `(height, width, channels)`, square, side a power of two >= 8.
        base_filters: Filters of the last hidden layer; each coarser layer doubles them.

    Returns:
        The symbolic images, `[batch, *image_shape]` in [-1, 1].
    """
    steps = num_resolution_steps(image_shape)
    filters = base_filters * 2 ** (steps - 1)
    x = layers.Dense(4 * 4 * filters, use_bias=False, kernel_initializer=dcgan_initializer(),
                     name="project")(x)
    x = layers.Reshape((4, 4, filters), name="reshape")(x)
    x = layers.BatchNormalization(name="batch_norm_project")(x)
    x = layers.ReLU(name="relu_project")(x)
    for i in range(steps - 1):
        filters //= 2
        x = layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False,
                                   kernel_initializer=dcgan_initializer(), name=f"upsample_{i}")(x)
        x = layers.BatchNormalization(name=f"batch_norm_{i}")(x)
        x = layers.ReLU(name=f"relu_{i}")(x)
    return layers.Conv2DTranspose(image_shape[-1], 4, strides=2, padding="same",
                                  activation="tanh", kernel_initializer=dcgan_initializer(),
                                  name="to_images")(x)


def dcgan_discriminator(image_shape, base_filters=64, num_classes=None, minibatch_features=None,
                        name="discriminator"):
    """DCGAN discriminator: strided convolutions down to 4x4, then one logit.

    LeakyReLU(0.2) everywhere, batch norm on every layer but the first (Radford et
    al. 2015, Section 3).

    Args:
        image_shape: `(height, width, channels)`, square, side a power of two >= 8.
        base_filters: Filters of the first layer; each finer-to-coarser step doubles them.
        num_classes: If set, the discriminator also takes a `label` input.
        minibatch_features: Lets the discriminator compare examples within a batch,
            so a generator that collapses to a few images is easy to spot: None,
            `"stddev"` (`layers.MinibatchStdDev` on the 4x4 features, Karras et al.
            2018) or `"discrimination"` (`layers.MinibatchDiscrimination` on the
            flattened features, Salimans et al. 2016).
        name: Model name.

    Returns:
        A functional `keras.Model`.
    """
    validation.check_choice("minibatch_features", minibatch_features,
                            (None, "stddev", "discrimination"))
    inputs, x = _image_and_label_inputs(image_shape, num_classes)
    x = dcgan_convolutions(x, image_shape, base_filters)
    if minibatch_features == "stddev":
        x = kerasgan_layers.MinibatchStdDev(name="minibatch_stddev")(x)
    x = layers.Flatten(name="flatten")(x)
    if minibatch_features == "discrimination":
        x = kerasgan_layers.MinibatchDiscrimination(name="minibatch_discrimination")(x)
    logits = layers.Dense(1, kernel_initializer=dcgan_initializer(), name="logits")(x)
    return keras.Model(_model_inputs(inputs), logits, name=name)


def penultimate_features(discriminator, layer_name="logits"):
    """A model from `discriminator`'s inputs to the input of its `layer_name` layer:
    the last hidden features, which feature matching compares. Shares the layers
    (and so the weights) of `discriminator`."""
    try:
        layer = discriminator.get_layer(layer_name)
    except ValueError:
        raise ValueError(
            f"Feature matching needs a discriminator with a final layer named "
            f"{layer_name!r}; {discriminator.name!r} has none. Layers: "
            f"{', '.join(l.name for l in discriminator.layers)}."
        ) from None
    return keras.Model(discriminator.inputs, layer.input, name=f"{discriminator.name}_features")


# Multi-head discriminators and code-conditioned generators (ACGAN, InfoGAN, CatGAN) ----


def dcgan_convolutions(x, image_shape, base_filters, batch_norm=True, momentum=0.99,
                       kernel_initializer="dcgan"):
    """The DCGAN discriminator's convolution stack, down to 4x4: strided 4x4
    convolutions doubling `base_filters`, batch norm on every layer but the first
    (unless `batch_norm=False`), LeakyReLU(0.2). The encoders of BiGAN, AAE and the
    VAE are this stack with their own heads.

    Args:
        x: The image tensor `[batch, H, W, C]`.
        image_shape: `(height, width, channels)` of `x`.
        base_filters: Filters of the first convolution.
        batch_norm: Whether layers after the first are batch-normalized.
        momentum: The batch norm's momentum.
        kernel_initializer: `"dcgan"` (`N(0, 0.02)`) or any Keras initializer.

    Returns:
        The 4x4 feature tensor.
    """
    for i in range(num_resolution_steps(image_shape)):
        normalized = batch_norm and i > 0
        x = layers.Conv2D(base_filters * 2**i, 4, strides=2, padding="same",
                          use_bias=not normalized,
                          kernel_initializer=(dcgan_initializer() if kernel_initializer == "dcgan"
                                              else kernel_initializer),
                          name=f"downsample_{i}")(x)
        if normalized:
            x = layers.BatchNormalization(momentum=momentum, name=f"batch_norm_{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"leaky_relu_{i}")(x)
    return x


def _dcgan_features(images, image_shape, base_filters):
    """The DCGAN discriminator's convolution stack, flattened: the body that the
    heads of `acgan_discriminator`, `infogan_discriminator` and `catgan_discriminator`
    share. Same layers and names as `dcgan_discriminator` up to its `flatten`."""
    return layers.Flatten(name="flatten")(dcgan_convolutions(images, image_shape, base_filters))


def acgan_discriminator(image_shape, num_classes, base_filters=64, name="discriminator"):
    """AC-GAN discriminator: a DCGAN body with a source head and a class head.

    It does not take the label: the class is what the auxiliary classifier predicts
    (Odena et al. 2017, Section 3).

    Args:
        image_shape: `(height, width, channels)`, square, side a power of two >= 8.
        num_classes: Number of classes of the auxiliary classifier.
        base_filters: Filters of the first convolution; each coarser layer doubles them.
        name: Model name.

    Returns:
        A functional `keras.Model` from `images` to `[logits, class_logits]`: the
        real/fake logit `[batch, 1]` and the class logits `[batch, num_classes]`.
    """
    images = keras.Input(shape=image_shape, name="images")
    features = _dcgan_features(images, image_shape, base_filters)
    logits = layers.Dense(1, kernel_initializer=dcgan_initializer(), name="logits")(features)
    class_logits = layers.Dense(num_classes, kernel_initializer=dcgan_initializer(),
                                name="class_logits")(features)
    return keras.Model(images, [logits, class_logits], name=name)


def catgan_discriminator(image_shape, num_categories, base_filters=64, name="discriminator"):
    """CatGAN discriminator: a DCGAN body classifying into `num_categories` categories.

    There is no real/fake output: realness is expressed through the certainty of
    the categorical prediction (Springenberg 2015, Section 3).

    Args:
        image_shape: `(height, width, channels)`, square, side a power of two >= 8.
        num_categories: Number of categories K.
        base_filters: Filters of the first convolution.
        name: Model name.

    Returns:
        A functional `keras.Model` from `images` to category logits `[batch, K]`.
    """
    images = keras.Input(shape=image_shape, name="images")
    features = _dcgan_features(images, image_shape, base_filters)
    logits = layers.Dense(num_categories, kernel_initializer=dcgan_initializer(),
                          name="category_logits")(features)
    return keras.Model(images, logits, name=name)


def infogan_generator(latent_dim, image_shape, num_categories, continuous_dim, base_filters=64,
                      name="generator"):
    """InfoGAN generator: the DCGAN generator fed `[z, one_hot(code), continuous_code]`.

    Args:
        latent_dim: Size of the incompressible noise `z`.
        image_shape: `(height, width, channels)`, square, side a power of two >= 8.
        num_categories: Values of the categorical code; the `code` input is an int32
            in `[0, num_categories)`, one-hot encoded inside the network so that
            exports take plain integers.
        continuous_dim: Size of the continuous code.
        base_filters: Filters of the last hidden layer of the DCGAN generator.
        name: Model name.

    Returns:
        A functional `keras.Model` with inputs `z` float32 `[batch, latent_dim]`,
        `code` int32 `[batch]`, `continuous_code` float32 `[batch, continuous_dim]`,
        returning images in [-1, 1].
    """
    z = keras.Input(shape=(latent_dim,), name="z")
    code = keras.Input(shape=(), dtype="int32", name="code")
    continuous_code = keras.Input(shape=(continuous_dim,), name="continuous_code")
    # One-hot as a frozen identity lookup (a GATHER): LiteRT's int8 ONE_HOT kernel
    # quantizes its output wrongly (measured: ~1.0 RMS error), a lookup does not.
    one_hot = layers.Embedding(num_categories, num_categories, embeddings_initializer="identity",
                               trainable=False, name="code_one_hot")(code)
    x = layers.Concatenate(name="z_and_codes")([z, one_hot, continuous_code])
    # The DCGAN generator, unchanged, on the concatenated latent vector.
    body = dcgan_generator(latent_dim + num_categories + continuous_dim, image_shape,
                           base_filters, name="dcgan_generator")
    return keras.Model([z, code, continuous_code], body(x), name=name)


def infogan_discriminator(image_shape, num_categories, continuous_dim, base_filters=64,
                          q_units=128, name="discriminator"):
    """InfoGAN discriminator with its recognition network Q as extra heads.

    Q shares the DCGAN body with D and adds one hidden layer (Dense, batch norm,
    LeakyReLU) before its outputs, as in the paper's MNIST network (Chen et al.
    2016, Appendix C.1).

    Args:
        image_shape: `(height, width, channels)`, square, side a power of two >= 8.
        num_categories: Values of the categorical code.
        continuous_dim: Size of the continuous code.
        base_filters: Filters of the first convolution.
        q_units: Width of Q's hidden layer.
        name: Model name.

    Returns:
        A functional `keras.Model` from `images` to `[logits, code_logits,
        continuous_mean]`: the real/fake logit `[batch, 1]`, Q's logits over the
        categorical code `[batch, num_categories]`, and the mean of Q's fixed-variance
        Gaussian over the continuous code `[batch, continuous_dim]`.
    """
    images = keras.Input(shape=image_shape, name="images")
    features = _dcgan_features(images, image_shape, base_filters)
    logits = layers.Dense(1, kernel_initializer=dcgan_initializer(), name="logits")(features)
    q = layers.Dense(q_units, use_bias=False, kernel_initializer=dcgan_initializer(),
                     name="q_dense")(features)
    q = layers.BatchNormalization(name="q_batch_norm")(q)
    q = layers.LeakyReLU(0.2, name="q_leaky_relu")(q)
    code_logits = layers.Dense(num_categories, kernel_initializer=dcgan_initializer(),
                               name="code_logits")(q)
    continuous_mean = layers.Dense(continuous_dim, kernel_initializer=dcgan_initializer(),
                                   name="continuous_mean")(q)
    return keras.Model(images, [logits, code_logits, continuous_mean], name=name)


# Builders shared by several variants ------------------------------------------------------

# Keras' default momentum (0.99) averages over ~100 steps; 0.9 is the Torch default that
# the pix2pix, CycleGAN and DCGAN reference code trained with, and keeps inference-mode
# outputs of short runs usable.
TORCH_BATCH_NORM_MOMENTUM = 0.9

# Critic normalizations that keep each example's input gradient its own (see `dcgan_critic`).
CRITIC_NORMALIZATIONS = ("layer", "none")


def patch_discriminator(image_shape, base_filters=64, num_layers=3, source_shape=None,
                        name="discriminator", conditional=True, normalization="batch"):
    """The PatchGAN discriminator (Isola et al. 2017, Section 3.2.2): a fully
    convolutional net that scores every overlapping patch of the image as real or
    fake, conditioned on the source by concatenating it with the judged image along
    the channels (pix2pix), or judging the image alone (`conditional=False`, CycleGAN).

    `num_layers` 4x4 stride-2 convolutions, one stride-1 convolution and a 1-channel
    stride-1 convolution (batch or instance norm on all but the first and the last,
    LeakyReLU(0.2)): each logit sees a 16x16 (`num_layers=1`), 34x34 (2) or 70x70 (3,
    the paper's choice at 256x256) patch.

    Args:
        image_shape: `(height, width, channels)` of the judged images.
        base_filters: Filters of the first convolution; deeper layers double them, up
            to 8x.
        num_layers: Stride-2 convolutions, >= 1; the logits come at `side / 2**num_layers`.
        source_shape: Shape of the sources; default `image_shape`. Unused when
            unconditional.
        name: Model name.
        conditional: Whether the net takes the source too (`[images, sources]`) or the
            judged images only.
        normalization: `"batch"` (pix2pix) or `"instance"` (CycleGAN;
            `instance_normalization`).

    Returns:
        A functional `keras.Model` from `[images, sources]` (or `images` when not
        `conditional`) to patch logits `[batch, side / 2**num_layers, side /
        2**num_layers, 1]`.
    """
    validation.check_choice("normalization", normalization, ("batch", "instance"))
    images = keras.Input(shape=image_shape, name="images")
    if conditional:
        sources = keras.Input(shape=tuple(source_shape or image_shape), name="sources")
        x = layers.Concatenate(name="source_and_image")([sources, images])
    else:
        x = images
    for i in range(num_layers + 1):
        normalize = i > 0
        x = layers.Conv2D(base_filters * min(2**i, 8), 4, strides=2 if i < num_layers else 1,
                          padding="same", use_bias=not normalize,
                          kernel_initializer=dcgan_initializer(),
                          name=f"conv_{i}")(x)
        if normalize and normalization == "batch":
            x = layers.BatchNormalization(momentum=TORCH_BATCH_NORM_MOMENTUM,
                                          name=f"batch_norm_{i}")(x)
        elif normalize:
            x = instance_normalization(name=f"instance_norm_{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"leaky_relu_{i}")(x)
    logits = layers.Conv2D(1, 4, padding="same", dtype="float32",
                           kernel_initializer=dcgan_initializer(),
                           name="patch_logits")(x)
    return keras.Model([images, sources] if conditional else images, logits, name=name)


def conv_encoder(image_shape, latent_dim, base_filters=64, batch_norm=True, name="encoder"):
    """A deterministic encoder `E: x -> z`: the DCGAN discriminator's strided
    convolutions down to 4x4 (batch norm on every layer but the first, LeakyReLU(0.2)),
    then one linear layer to `z`.

    The output is linear, not squashed, so `E(x)` can cover the whole support of the
    `N(0, I)` prior that the generator is fed.

    Args:
        image_shape: `(height, width, channels)`, square, side a power of two >= 8.
        latent_dim: Size of `z`.
        base_filters: Filters of the first convolution; each coarser layer doubles them.
        name: Model name.

    Returns:
        A functional `keras.Model` from `images` `[batch, H, W, C]` in [-1, 1] to `z`
        `[batch, latent_dim]`.
    """
    images = keras.Input(shape=image_shape, name="images")
    x = dcgan_convolutions(images, image_shape, base_filters, batch_norm=batch_norm,
                                    momentum=0.9, kernel_initializer="glorot_uniform")
    x = layers.Flatten(name="flatten")(x)
    z = layers.Dense(latent_dim, name="z")(x)
    return keras.Model(images, z, name=name)


def with_batch_norm_momentum(network, momentum=0.9):
    """Sets the momentum of every `BatchNormalization` layer of `network`; returns it.

    Keras' default, 0.99, averages over ~100 steps; after a short run the moving
    variance still holds most of its initial 1, far above the small activations of
    DCGAN's N(0, 0.02) weights, and inference-mode outputs (`generate`, `G(E(x))`)
    come out washed out. 0.9 is the Torch default (0.1 there) that DCGAN's reference
    code trained with.
    """
    for layer in network.layers:
        if isinstance(layer, layers.BatchNormalization):
            layer.momentum = momentum
    return network


def check_encoder_shape(model):
    """Raises ValueError unless `model.encoder` maps `image_shape` to `(None, latent_dim)`."""
    shape = tuple(model.encoder.output_shape)
    if shape != (None, model.latent_dim):
        raise ValueError(
            f"The encoder must map images to z of shape (None, {model.latent_dim}). "
            f"Received: encoder with output shape {shape}"
        )


def encoded_std(codes):
    """The codes' standard deviation over the batch, averaged over the latent axes:
    1 when the encoder's codes spread like the `N(0, I)` prior."""
    codes = ops.cast(codes, "float32")
    return ops.mean(ops.std(codes, axis=0))


def dcgan_critic(image_shape, base_filters=64, normalization="layer", output_bias=False,
                 name="discriminator"):
    """DCGAN-shaped critic: strided convolutions down to 4x4, LeakyReLU(0.2), one score.

    `normalization="batch"` is the DCGAN discriminator (WGAN's critic), except that
    batch norm learns an offset but no scale. Clipped to 0.01 with the other
    weights, as the WGAN authors' code clips it, the scale shrinks every score 100x,
    to ~1e-5 in small critics, below what float32 updates resolve; left unclipped,
    it would let the scores grow without bound.

    Gradient penalties need `"layer"` or `"none"`: batch norm makes each example's
    score depend on the whole batch, so the input gradient a penalty constrains is
    no longer the example's own; Gulrajani et al. (Section 4) use layer norm
    instead, normalizing each example over height, width and channels, as here.

    Args:
        image_shape: `(height, width, channels)`, square, side a power of two >= 8.
        base_filters: Filters of the first layer; each coarser layer doubles them.
        normalization: `"batch"`, `"layer"` or `"none"`, after every convolution but
            the first.
        output_bias: Whether the score layer has a bias. A Wasserstein critic's loss
            is blind to a constant added to every score (its gradient is exactly 0),
            so its critics have none; a sigmoid discriminator needs one.
        name: Model name.

    Returns:
        A functional `keras.Model` from `images` to one score per image, `[batch, 1]`.
    """
    validation.check_choice("normalization", normalization, ("batch", *CRITIC_NORMALIZATIONS))
    steps = num_resolution_steps(image_shape)
    images = keras.Input(shape=image_shape, name="images")
    x = images
    for i in range(steps):
        # Batch norm subtracts the per-channel mean, so a bias before it gets no gradient.
        x = layers.Conv2D(base_filters * 2**i, 4, strides=2, padding="same",
                          use_bias=i == 0 or normalization != "batch",
                          kernel_initializer=dcgan_initializer(),
                          name=f"downsample_{i}")(x)
        if i > 0 and normalization == "batch":
            x = layers.BatchNormalization(scale=False, name=f"batch_norm_{i}")(x)
        elif i > 0 and normalization == "layer":
            x = layers.LayerNormalization(axis=(1, 2, 3), name=f"layer_norm_{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"leaky_relu_{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    scores = layers.Dense(1, use_bias=output_bias, kernel_initializer=dcgan_initializer(),
                          name="logits")(x)
    return keras.Model(images, scores, name=name)
