"""The `CycleGAN` model: two generators and two PatchGANs trained with adversarial,
cycle and identity losses, translation both ways, the export of both directions, and
the `cyclegan` factory. See the family's `__init__` for the reference."""

import keras
import numpy as np
import tensorflow as tf

from kerasgan import distribute, losses, networks, tricks, validation
from kerasgan.images import fit_to_shape, from_uint8, to_uint8
from kerasgan.models.image_to_image import ImageToImageModel
from kerasgan.models.cyclegan.networks import check_domain_shapes, resnet_generator
from kerasgan.registry import register_model

#: The directions `CycleGAN.translate` takes, also the export's signature names:
#: `a_to_b` runs `G` (the model's `generator`), `b_to_a` runs `F` (`generator_ba`).
DIRECTIONS = ("a_to_b", "b_to_a")


@keras.saving.register_keras_serializable(package="kerasgan")
class CycleGAN(ImageToImageModel):
    """CycleGAN: two generators `G: A -> B` and `F: B -> A` and two PatchGAN
    discriminators `D_B`, `D_A`, trained on unpaired images of two domains (Zhu et
    al. 2017).

    The networks: `generator` is `G` (A to B) and `generator_ba` is `F` (B to A),
    ResNet generators (`resnet_generator`); `discriminator` is `D_B` (judges domain B:
    real B against `G(a)`) and `discriminator_a` is `D_A`, unconditional 70x70 (34x34
    at 32x32) PatchGANs with instance norm (`patch_discriminator(conditional=False,
    normalization="instance")`). `g_optimizer` trains G and F together, `d_optimizer`
    D_A and D_B (`player_networks()`), Adam(2e-4, beta_1=0.5) as in the paper.

    The objective (Eq. 3, with the least-squares GAN loss of Section 4):

    - Adversarial: G minimizes `E[(D_B(G(a)) - 1)^2]` and F `E[(D_A(F(b)) - 1)^2]`;
      each D minimizes `1/2 (E[(D(real) - 1)^2] + E[D(fake)^2])`: the paper divides
      D's objective by 2, which slows D down relative to G
      (`losses.least_squares_discriminator_loss`; G's term is twice
      `losses.least_squares_generator_loss`, which carries Mao et al.'s 1/2).
      One-sided label smoothing (`label_smoothing`) lowers the real target.
    - Cycle consistency (Eq. 2): `cycle_weight * (|F(G(a)) - a|_1 + |G(F(b)) - b|_1)`,
      each a mean absolute difference per pixel, `cycle_weight = lambda = 10`.
    - Identity (Section 5.2): `identity_weight * cycle_weight * (|G(b) - b|_1 +
      |F(a) - a|_1)` with `identity_weight = 0.5`: the paper's `0.5 lambda`, which its
      code applies by default. It needs both domains to have the same channels; 0
      turns it off.

    D trains on a history of translations, `pool_size` past `G(a)` for `D_B` and `F(b)`
    for `D_A` (Section 4; how the pool differs from the paper's is in the family's
    `__init__`, with the other differences).

    The generators are deterministic (no dropout, no noise): `translate(images)` gives
    `G(a)`, `translate(images, direction="b_to_a")` gives `F(b)`; `generate` raises.
    Batches are `(images_a, images_b)`, unpaired (`kerasgan.data.load_pairs(
    "digits_thick")` or `"cycle_gan/<name>"`). The export serves `a_to_b` (also
    `serving_default`) and `b_to_a`, each with its own `.tflite`.

    Args:
        base_filters: Filters of the first convolution of every net (64 in the paper).
        num_residual_blocks: Residual blocks of each generator, >= 1 (paper: 6 at
            128x128, 9 at 256x256).
        patch_layers: Each D's stride-2 convolutions (1: 16x16 patches, 2: 34x34, 3:
            70x70, the paper's). None: 3 for sides >= 64, else 2.
        cycle_weight: `lambda`, the cycle-consistency weight, >= 0 (10 in the paper).
        identity_weight: The identity loss's weight relative to `cycle_weight`, >= 0
            (0.5 in the paper).
        pool_size: Past translations kept per direction for D, >= 0 (50 in the
            paper); 0: D sees the current translations only.
        **kwargs: `ImageToImageModel` and `AdversarialModel` arguments: `image_shape`
            (domain B's images), `source_shape` (domain A's; default `image_shape`,
            same height and width), `seed`, `ema_decay`, `r1_weight`,
            `historical_averaging`. `diffaugment` and `replay_buffer_size` are refused.

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("cyclegan", base_filters=4, num_residual_blocks=1)
    >>> digits, thick = kerasgan.evaluation.example_pairs(model, 2)
    >>> model.translate(digits).shape, model.translate(thick, direction="b_to_a").shape
    ((2, 32, 32, 1), (2, 32, 32, 1))
    >>> model.discriminator.output_shape
    (None, 8, 8, 1)
    """

    metric_names = ("d_loss", "g_loss", "gan_loss", "cycle_loss", "identity_loss")
    paper = "Zhu et al. 2017, https://arxiv.org/abs/1703.10593"
    network_names = ("generator", "discriminator", "generator_ba", "discriminator_a")
    default_dataset = "digits_thick"
    #: Two generators that invert each other: `kerasgan.evaluation.cycle_metrics`
    #: (reconstruction error, label agreement) applies.
    cycle_consistent = True
    unsupported_tricks = {
        "replay_buffer_size": "it keeps its own pool of past translations per direction: "
                              "use `pool_size`.",
        "diffaugment": "it would augment one of its two discriminators only.",
    }
    ema_networks = ("generator", "generator_ba")
    averaged_networks = network_names

    def __init__(self, base_filters=64, num_residual_blocks=9, patch_layers=None,
                 cycle_weight=10.0, identity_weight=0.5, pool_size=50, **kwargs):
        self.base_filters = validation.check_positive_int("base_filters", base_filters)
        self.num_residual_blocks = validation.check_int_at_least(
            "num_residual_blocks", num_residual_blocks, 1)
        self.cycle_weight = validation.check_non_negative_number("cycle_weight", cycle_weight)
        self.identity_weight = validation.check_non_negative_number(
            "identity_weight", identity_weight)
        self.pool_size = validation.check_int_at_least("pool_size", pool_size, 0)
        self.patch_layers = check_domain_shapes(
            kwargs.get("image_shape", (32, 32, 1)), kwargs.get("source_shape"),
            self.identity_weight, patch_layers)
        super().__init__(**kwargs)
        # Past translations into A (F's, for D_A) and into B (G's, for D_B).
        self.pool_a, self.pool_b = [
            tricks.ReplayBuffer(self.pool_size, shape, fraction=0.5, per_image=True, name=name)
            if self.pool_size else None
            for shape, name in ((self.source_shape, "pool_a"), (self.image_shape, "pool_b"))]

    # Networks -------------------------------------------------------------------------

    def build_generator(self):
        """`G`: domain A (`source_shape`) to domain B (`image_shape`)."""
        return resnet_generator(self.image_shape, self.base_filters, self.num_residual_blocks,
                                self.source_shape, name="generator")

    def build_generator_ba(self):
        """`F`: domain B (`image_shape`) to domain A (`source_shape`)."""
        return resnet_generator(self.source_shape, self.base_filters, self.num_residual_blocks,
                                self.image_shape, name="generator_ba")

    def build_discriminator(self):
        """`D_B`: judges domain B images."""
        return networks.patch_discriminator(self.image_shape, self.base_filters,
                                            self.patch_layers, conditional=False,
                                            normalization="instance", name="discriminator")

    def build_discriminator_a(self):
        """`D_A`: judges domain A images."""
        return networks.patch_discriminator(self.source_shape, self.base_filters,
                                            self.patch_layers, conditional=False,
                                            normalization="instance", name="discriminator_a")

    def player_networks(self):
        """`{"discriminator": [D_B, D_A], "generator": [G, F]}`: one optimizer per pair,
        as the paper's code chains each pair's parameters into one Adam."""
        return {"discriminator": [self.discriminator, self.discriminator_a],
                "generator": [self.generator, self.generator_ba]}

    def _check_network_shapes(self):
        super()._check_network_shapes()
        if tuple(self.generator_ba.output_shape) != (None, *self.source_shape):
            raise ValueError(f"generator_ba's output shape {tuple(self.generator_ba.output_shape)} "
                             f"does not match source_shape={self.source_shape}.")

    @property
    def sampler_ba(self):
        """What translates B to A: `generator_ba`, or its average (`ema_decay`)."""
        return self.averaged("generator_ba")

    # Training -------------------------------------------------------------------------

    def unpack_pairs(self, data):
        """Splits a batch into `(images_a, images_b)`, unpaired; raises a ValueError if
        it is not a pair or a shape is not the model's."""
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            raise ValueError(
                "CycleGAN trains on (images_a, images_b) batches of two unpaired domains "
                "(kerasgan.data.load_pairs, e.g. 'digits_thick'). Received: a batch of type "
                f"{type(data).__name__}")
        advice = ("Load the images at the model's size or build the model with matching "
                  "image_shape (B) / source_shape (A).")
        self._check_batch_shape("domain A images", data[0], self.source_shape, advice)
        self._check_batch_shape("domain B images", data[1], self.image_shape, advice)
        return data[0], data[1]

    def discriminator_inputs(self, images, sources=None):
        """The judged images alone: CycleGAN's discriminators are unconditional."""
        return images

    def discriminator_penalty(self, real_b, real_a=None):
        """The R1 penalty (`r1_weight`) of both discriminators, `D_B` on real B images and
        `D_A` on real A images (summed), or 0.0 when off."""
        if not self.r1_weight:
            return 0.0
        penalty = super().discriminator_penalty(real_b)
        if real_a is not None:
            penalty += losses.r1_penalty(
                lambda images: self.discriminator_a(images, training=True), real_a,
                gamma=self.r1_weight)
        return penalty

    def pool(self, fakes, domain):
        """The translations into `domain` ("a" or "b") that its discriminator trains on:
        `fakes` with some swapped for pooled past ones, or `fakes` when `pool_size=0`."""
        buffer = self.pool_a if domain == "a" else self.pool_b
        if buffer is None:
            return fakes
        return buffer(fakes, None, distribute.replica_seed(self.noise_seed))[0]

    def generator_losses(self, real_a, real_b, training=True):
        """The generators' loss terms on one batch, unweighted (for the train step and
        for checking them by hand).

        Returns:
            Dict of scalars: `gan_loss` (G's and F's least-squares terms, summed),
            `cycle_loss` (`|F(G(a)) - a|_1 + |G(F(b)) - b|_1`), `identity_loss`
            (`|G(b) - b|_1 + |F(a) - a|_1`; 0.0 when `identity_weight` is 0), `g_loss`
            (`gan + cycle_weight * (cycle + identity_weight * identity)`), and the
            translations `fake_a` (`F(b)`) and `fake_b` (`G(a)`).
        """
        fake_b = self.generator(real_a, training=training)
        fake_a = self.generator_ba(real_b, training=training)
        # The paper's G loss, E[(D(G(a)) - 1)^2], is twice Mao et al.'s 1/2-scaled form.
        gan_loss = 2.0 * (
            losses.least_squares_generator_loss(self.discriminator(fake_b, training=training))
            + losses.least_squares_generator_loss(
                self.discriminator_a(fake_a, training=training)))
        cycle_loss = (losses.l1_loss(self.generator_ba(fake_b, training=training), real_a)
                      + losses.l1_loss(self.generator(fake_a, training=training), real_b))
        identity_loss = tf.constant(0.0)
        if self.identity_weight:
            identity_loss = (losses.l1_loss(self.generator(real_b, training=training), real_b)
                             + losses.l1_loss(self.generator_ba(real_a, training=training),
                                              real_a))
        g_loss = gan_loss + self.cycle_weight * (cycle_loss
                                                 + self.identity_weight * identity_loss)
        return {"g_loss": g_loss, "gan_loss": gan_loss, "cycle_loss": cycle_loss,
                "identity_loss": identity_loss, "fake_a": fake_a, "fake_b": fake_b}

    def train_step(self, data):
        real_a, real_b = self.unpack_pairs(data)
        players = self.player_networks()

        # Generator step: G and F together, adversarial + cycle + identity (Eq. 3).
        with tf.GradientTape() as tape:
            terms = self.generator_losses(real_a, real_b)
        self.apply_gradients(tape, terms["g_loss"], players["generator"], self.g_optimizer)

        # Discriminator step on the G step's translations, partly from the pools.
        fake_b = self.pool(terms["fake_b"], "b")
        fake_a = self.pool(terms["fake_a"], "a")
        real_target = 1.0 - self.label_smoothing
        with tf.GradientTape() as tape:
            d_loss = losses.least_squares_discriminator_loss(
                self.discriminator(real_b, training=True),
                self.discriminator(fake_b, training=True), real_target=real_target,
            ) + losses.least_squares_discriminator_loss(
                self.discriminator_a(real_a, training=True),
                self.discriminator_a(fake_a, training=True), real_target=real_target,
            ) + self.discriminator_penalty(real_b, real_a)
        self.apply_gradients(tape, d_loss, players["discriminator"], self.d_optimizer)

        return self.update_metrics(
            d_loss=d_loss, **{key: terms[key] for key in
                              ("g_loss", "gan_loss", "cycle_loss", "identity_loss")})

    # Translation ----------------------------------------------------------------------

    def translate(self, images, batch_size=256, training=False, direction="a_to_b"):
        """Translates images of one domain into the other.

        Args:
            images: `[n, *source_shape]` domain A images for `"a_to_b"` (`G`), or
                `[n, *image_shape]` domain B images for `"b_to_a"` (`F`): floats in
                [-1, 1], or uint8.
            batch_size: Images per generator call.
            training: Run the generators in training mode (the same for instance norm).
            direction: `"a_to_b"` or `"b_to_a"`.

        Returns:
            numpy array, float32 in [-1, 1], of the other domain's shape.

        Raises:
            ValueError: for an unknown direction or images of the wrong shape.
        """
        direction = validation.check_choice("direction", direction, DIRECTIONS)
        if direction == "a_to_b":
            return super().translate(images, batch_size=batch_size, training=training)
        network = self.generator_ba if training else self.sampler_ba
        return self._translate_with(network, images, self.image_shape, batch_size, training,
                                    what="`images` of direction='b_to_a' (domain B)")

    def grid_triplets(self, images_a, images_b):
        """What the TensorBoard grid shows (`callbacks.translation_triplets`): `[a, G(a),
        F(G(a))]` for each `a`, then `[b, F(b), G(F(b))]` for each `b` (inputs,
        translations, cycle reconstructions) at `image_shape`: float32 numpy
        `[3 * (len(images_a) + len(images_b)), *image_shape]`."""
        images_a = np.asarray(images_a, np.float32)
        images_b = np.asarray(images_b, np.float32)
        fake_b = self.translate(images_a)
        fake_a = self.translate(images_b, direction="b_to_a")
        rows = []
        for triplet in ((images_a, fake_b, self.translate(fake_b, direction="b_to_a")),
                        (images_b, fake_a, self.translate(fake_a))):
            triplet = [fit_to_shape(images, self.image_shape) for images in triplet]
            rows.append(np.stack(triplet, axis=1).reshape((-1, *self.image_shape)))
        return np.concatenate(rows)

    # Export ---------------------------------------------------------------------------

    def serving_spec(self):
        """`a_to_b` (G; also `serving_default`, which TF Serving needs): `images` uint8
        `[None, *source_shape]` to `images` uint8 `[None, *image_shape]`; `b_to_a` (F):
        `images` uint8 `[None, *image_shape]` to `images` uint8 `[None, *source_shape]`;
        each direction its own `.tflite` (`<name>.tflite`, `<name>.b_to_a.tflite`)."""
        spec = super().serving_spec()
        a_to_b = spec.signatures["serving_default"]

        def b_to_a(images):
            images = tf.ensure_shape(images, [None, *self.image_shape], name="images")
            return {"images": to_uint8(self.sampler_ba(from_uint8(images), training=False))}

        b_specs = [tf.TensorSpec([None, *self.image_shape], tf.uint8, name="images")]
        description = "domain A images to domain B images with G (generator)"
        return spec.replace(
            signatures={"serving_default": a_to_b, "a_to_b": a_to_b,
                        "b_to_a": (b_to_a, b_specs)},
            networks=(self.sampler, self.sampler_ba),
            tflite_signatures=("serving_default", "b_to_a"),
            descriptions={"serving_default": description + "; the same as a_to_b",
                          "a_to_b": description,
                          "b_to_a": "domain B images to domain A images with F (generator_ba)"})

    def get_config(self):
        return {**super().get_config(), "base_filters": self.base_filters,
                "num_residual_blocks": self.num_residual_blocks, "patch_layers": self.patch_layers,
                "cycle_weight": self.cycle_weight, "identity_weight": self.identity_weight,
                "pool_size": self.pool_size}


@register_model(default_dataset=CycleGAN.default_dataset)
def cyclegan(image_shape=(32, 32, 1), source_shape=None, base_filters=16,
             num_residual_blocks=4, patch_layers=None, cycle_weight=10.0, identity_weight=0.5,
             pool_size=50, seed=None, **tricks):
    """CycleGAN on the embedded `digits_thick` domains (digits <-> stroke-thickened
    digits, unpaired, 32x32x1; Zhu et al. 2017): ResNet generators, 34x34 PatchGANs,
    least-squares loss, cycle weight 10, identity weight 0.5 x 10, pools of 50. Smaller
    than the paper's for a CPU: `base_filters=16` and 4 residual blocks (paper: 64 and
    6 or 9); `image_shape=(256, 256, 3)` with `base_filters=64, num_residual_blocks=9`
    gives the paper's 256x256 networks (70x70 patches).

    `**tricks`: `ema_decay`, `r1_weight`, `historical_averaging`.
    """
    return CycleGAN(image_shape=image_shape, source_shape=source_shape,
                    base_filters=base_filters, num_residual_blocks=num_residual_blocks,
                    patch_layers=patch_layers, cycle_weight=cycle_weight,
                    identity_weight=identity_weight, pool_size=pool_size, seed=seed,
                    name="cyclegan", **tricks)
