"""LAPGAN: a Laplacian pyramid of conditional GANs, generating coarse to fine.

Reference:
    Denton, Chintala, Szlam & Fergus, 2015, "Deep Generative Image Models using a
    Laplacian Pyramid of Adversarial Networks", NeurIPS 2015.
    https://arxiv.org/abs/1506.05751
"""

import keras
import tensorflow as tf
from keras import layers

from kerasgan import distribute, losses, networks, validation
from kerasgan.models.base import AdversarialModel
from kerasgan.models.lapgan.networks import band_discriminator, band_generator
from kerasgan.models.lapgan.pyramid import laplacian_pyramid, pyramid_sizes
from kerasgan.registry import register_model

#: Seed of the level noise that `LAPGAN.generator_inputs` draws when a caller gives
#: only `z` (TensorBoard grids, `model(z)`): fixed, so the same `z` gives the same image.
FILL_NOISE_SEED = 1234


# Model ------------------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="kerasgan")
class LAPGAN(AdversarialModel):
    """A pyramid of GANs, one per resolution, sampled coarse to fine.

    With the side `S` of `image_shape` and `base_size` `b`, the levels have sides
    `b, 2b, ..., S` (8, 16, 32 on digits). Level 0 is a GAN of fully connected
    players on the real images down-sampled to `b x b`, like the coarsest level of
    the paper's CIFAR-10 model (Section 3). Each further level `k` is a conditional
    GAN on a Laplacian band (Section 2.3): from a real image at that level, `I_k`,
    the low-pass image `l_k = u(d(I_k))` (2x2 average, then bilinear up-sampling)
    and the band `h_k = I_k - l_k`; `G_k([noise_k, l_k])` makes a band and
    `D_k([band, l_k])` scores it. Every level trains on its own real data in each
    `train_step` (all levels' D updates, then all G updates, the non-saturating game
    of Goodfellow et al. by default), so the levels are independent games, trained
    together rather than one after another; `d_loss`/`g_loss` are their sums,
    `d_loss_<side>`/`g_loss_<side>` the terms.

    Sampling chains the levels: `I_0 = G_0(z)`, then `I_k = clip(u(I_{k-1}) +
    G_k([noise_k, u(I_{k-1})]), -1, 1)`. `generator` is that whole chain, one
    functional model from the serving inputs to the full-resolution image, holding
    the level generators as sub-models (`generator.get_layer("level_1_generator")`,
    or `level_generators`); `discriminator` takes every level's inputs and returns
    the list of level logits, so one optimizer per player trains every level.

    Inputs: `z` float32 `[batch, latent_dim]` for level 0 and, per further level,
    `noise_<side>` float32 `[batch, side, side, 1]`, independent `N(0, 1)` planes:
    the paper feeds each level its own noise as a 4th colour plane (Section 3), and
    deriving it from `z` would tie the levels' noise together where training kept
    them independent. Export serves them all (`serving_default`); `sample` draws them.
    Callers that pass only `z` (`model(z)`, the TensorBoard grids) get the level noise
    drawn from the fixed seed `FILL_NOISE_SEED`.

    The paper trains with SGD and momentum; the default here is Adam(2e-4,
    beta_1=0.5) as for DCGAN. `r1_weight`, `diffaugment` and `replay_buffer_size`
    are refused: they act on one image input of the discriminator, and LAPGAN's has
    one (band, low-pass) pair per level. `ema_decay` and `historical_averaging` work.

    Args:
        base_size: Side of the coarsest level, >= 4; the image side must be
            `base_size` times a power of two >= 2.
        base_filters: Width of the convolutions of the band levels (the
            discriminators' second layer doubles it).
        kernel_size: Side of the band levels' convolution kernels (5; 3 is cheaper).
        hidden_units: `(generator_widths, discriminator_widths)` of level 0's fully
            connected players (`networks.mlp_generator` and `mlp_discriminator`);
            the default is of the size of the paper's CIFAR-10 level 0.
        generator_loss: `"non_saturating"` (default) or `"minimax"`.
        **kwargs: `AdversarialModel` arguments. `image_shape` must be square with a
            power-of-two side.

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("lapgan", base_filters=4, hidden_units=((16,), (16,)))
    >>> model.sizes, sorted(model.latent_specs())
    ([8, 16, 32], ['noise_16', 'noise_32', 'z'])
    >>> model.generate(2, seed=0).shape
    (2, 32, 32, 1)
    """

    paper = "Denton et al. 2015, https://arxiv.org/abs/1506.05751"
    unsupported_tricks = dict.fromkeys(
        ("r1_weight", "diffaugment", "replay_buffer_size"),
        "it acts on one image input of the discriminator, and LAPGAN's discriminator "
        "takes one (band, low-pass image) pair per pyramid level.")

    def __init__(self, base_size=8, base_filters=64, kernel_size=5,
                 hidden_units=((1200, 1200), (600, 600)), generator_loss="non_saturating",
                 **kwargs):
        self.base_size = validation.check_int_at_least("base_size", base_size, 4)
        self.base_filters = validation.check_positive_int("base_filters", base_filters)
        self.kernel_size = validation.check_positive_int("kernel_size", kernel_size)
        try:
            self.hidden_units = tuple(
                tuple(validation.check_positive_int("hidden_units", w) for w in widths)
                for widths in hidden_units)
        except TypeError:
            self.hidden_units = ()
        if len(self.hidden_units) != 2:
            raise ValueError("`hidden_units` must be (generator_widths, discriminator_widths). "
                             f"Received: hidden_units={hidden_units!r}")
        validation.check_choice("generator_loss", generator_loss, tuple(losses.GENERATOR_LOSSES))
        self.generator_loss = generator_loss
        self.g_loss_fn = losses.get(generator_loss, "generator")
        self.d_loss_fn = losses.get(generator_loss, "discriminator")
        self.sizes = pyramid_sizes(kwargs.get("image_shape", (32, 32, 1)), self.base_size)
        self.metric_names = ("d_loss", "g_loss", *(
            f"{player}_loss_{size}" for size in self.sizes for player in ("d", "g")))
        super().__init__(**kwargs)

    # Networks ---------------------------------------------------------------------------

    def build_generator(self):
        channels = self.image_shape[-1]
        base = self.sizes[0]
        z = keras.Input(shape=(self.latent_dim,), name="z")
        inputs = [z]
        image = networks.mlp_generator(self.latent_dim, (base, base, channels),
                                       self.hidden_units[0], name="level_0_generator")(z)
        for k, size in enumerate(self.sizes[1:], start=1):
            noise = keras.Input(shape=(size, size, 1), name=f"noise_{size}")
            inputs.append(noise)
            low = layers.UpSampling2D(2, interpolation="bilinear", name=f"low_{size}")(image)
            band = band_generator(size, channels, self.base_filters, f"level_{k}_generator",
                                  self.kernel_size)([noise, low])
            image = layers.Add(name=f"low_plus_band_{size}")([low, band])
            # A generated band can push pixels past [-1, 1]; the next level (and the
            # export) expects images in range, as real low-pass images always are.
            image = layers.Activation("hard_tanh", name=f"image_{size}")(image)
        return keras.Model(inputs, image, name="generator")

    def build_discriminator(self):
        channels = self.image_shape[-1]
        base = self.sizes[0]
        coarsest = keras.Input(shape=(base, base, channels), name=f"image_{base}")
        inputs = [coarsest]
        logits = [networks.mlp_discriminator((base, base, channels), self.hidden_units[1],
                                             name="level_0_discriminator")(coarsest)]
        for k, size in enumerate(self.sizes[1:], start=1):
            band = keras.Input(shape=(size, size, channels), name=f"band_{size}")
            low = keras.Input(shape=(size, size, channels), name=f"low_{size}")
            inputs += [band, low]
            logits.append(band_discriminator(size, channels, self.base_filters,
                                             f"level_{k}_discriminator",
                                             self.kernel_size)([band, low]))
        return keras.Model(inputs, logits, name="discriminator")

    @property
    def level_generators(self):
        """`[G_0, G_1, ...]`, coarse to fine: the sub-models of `generator`."""
        return [self.generator.get_layer(f"level_{k}_generator") for k in range(len(self.sizes))]

    @property
    def level_discriminators(self):
        """`[D_0, D_1, ...]`, coarse to fine: the sub-models of `discriminator`."""
        return [self.discriminator.get_layer(f"level_{k}_discriminator")
                for k in range(len(self.sizes))]

    def _check_network_shapes(self):
        super()._check_network_shapes()
        try:
            self.level_generators, self.level_discriminators  # noqa: B018
        except ValueError as error:
            raise ValueError(
                f"LAPGAN's networks must hold the sub-models level_0_generator ... "
                f"level_{len(self.sizes) - 1}_generator and likewise "
                f"level_<k>_discriminator: {error}") from None

    # Training ---------------------------------------------------------------------------

    def pyramid(self, images):
        """`laplacian_pyramid(images)` over the model's levels: `(coarsest, [(band,
        low), ...])`, coarse to fine."""
        return laplacian_pyramid(images, len(self.sizes))

    def sample_noise(self, batch_size):
        """Training noise planes `{side: [batch, side, side, 1]}` of the band levels,
        `N(0, 1)`, drawn per replica from the model's seed stream."""
        sizes = self.sizes[1:]
        seeds = tf.random.experimental.stateless_split(
            distribute.replica_seed(self.noise_seed), len(sizes))
        return {size: tf.random.stateless_normal([batch_size, size, size, 1], seed=seeds[i],
                                                 alg="philox")
                for i, size in enumerate(sizes)}

    def fake_levels(self, batch_size, lows, training=True):
        """Each level's generated output on fresh noise: `[G_0(z), G_1([noise, l_1]),
        ...]`, the band levels conditioned on the given (real) low-pass images."""
        generators = self.level_generators
        noise = self.sample_noise(batch_size)
        fakes = [generators[0](self.sample_latents(batch_size), training=training)]
        for k, (size, low) in enumerate(zip(self.sizes[1:], lows), start=1):
            fakes.append(generators[k]([noise[size], low], training=training))
        return fakes

    @staticmethod
    def discriminator_level_inputs(coarsest, bands, lows):
        """Packs `[image_<b>, band_<2b>, low_<2b>, ...]` for the discriminator."""
        inputs = [coarsest]
        for band, low in zip(bands, lows):
            inputs += [band, low]
        return inputs

    def train_step(self, data):
        real_images, _ = self.unpack(data)  # unsupervised: labels are not used
        batch_size = tf.shape(real_images)[0]
        coarsest, levels = self.pyramid(real_images)
        real_bands = [band for band, _ in levels]
        lows = [low for _, low in levels]
        real_inputs = self.discriminator_level_inputs(coarsest, real_bands, lows)

        # Discriminator step: every level's D on its real and generated bands. The sum
        # gives each D_k exactly its own level's gradient: D_k sees no other level.
        fakes = self.fake_levels(batch_size, lows)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real_inputs, training=True)
            fake_logits = self.discriminator(
                self.discriminator_level_inputs(fakes[0], fakes[1:], lows), training=True)
            d_losses = [self.d_loss_fn(real, fake, real_target=1.0 - self.label_smoothing)
                        for real, fake in zip(real_logits, fake_logits)]
            d_loss = tf.add_n(d_losses)
        self.apply_gradients(tape, d_loss, self.discriminator, self.d_optimizer)

        # Generator step, on fresh noise; G_k too gets only its level's gradient.
        with tf.GradientTape() as tape:
            fakes = self.fake_levels(batch_size, lows)
            g_logits = self.discriminator(
                self.discriminator_level_inputs(fakes[0], fakes[1:], lows), training=True)
            g_losses = [self.g_loss_fn(logits) for logits in g_logits]
            g_loss = tf.add_n(g_losses)
        self.apply_gradients(tape, g_loss, self.generator, self.g_optimizer)

        per_level = {}
        for size, d_level, g_level in zip(self.sizes, d_losses, g_losses):
            per_level[f"d_loss_{size}"] = d_level
            per_level[f"g_loss_{size}"] = g_level
        return self.update_metrics(d_loss=d_loss, g_loss=g_loss, **per_level)

    # Sampling and serving ---------------------------------------------------------------

    def generator_inputs(self, z, labels=None, noise=None):
        """Packs `[z, noise_<2b>, ..., noise_<S>]` for the generator.

        Args:
            z: `[batch, latent_dim]`.
            labels: Ignored: LAPGAN is unconditional.
            noise: Optional `{side: [batch, side, side, 1]}`; levels left out get noise
                drawn from the fixed seed `FILL_NOISE_SEED`.
        """
        del labels
        z = tf.convert_to_tensor(z, tf.float32)
        batch_size = tf.shape(z)[0]
        noise = dict(noise or {})
        inputs = [z]
        for k, size in enumerate(self.sizes[1:], start=1):
            plane = noise.get(size)
            if plane is None:
                plane = tf.random.stateless_normal([batch_size, size, size, 1],
                                                   seed=[FILL_NOISE_SEED, k], alg="philox")
            inputs.append(tf.convert_to_tensor(plane, tf.float32))
        return inputs

    def call(self, inputs, training=False):
        """`model(z)` (level noise from `FILL_NOISE_SEED`) or `model([z, noise_<2b>,
        ...])`: images in [-1, 1]."""
        if not isinstance(inputs, (list, tuple)):
            inputs = self.generator_inputs(inputs)
        return super().call(inputs, training=training)

    def latent_specs(self):
        """`z`, plus `noise_<side>` float32 `[None, side, side, 1]` per band level."""
        return {**super().latent_specs(), **{
            f"noise_{size}": tf.TensorSpec([None, size, size, 1], tf.float32,
                                           name=f"noise_{size}")
            for size in self.sizes[1:]}}

    def input_distributions(self):
        """Every input standard normal, for the model card."""
        return {**super().input_distributions(), **{
            f"noise_{size}": {"distribution": "normal", "mean": 0.0, "stddev": 1.0}
            for size in self.sizes[1:]}}

    def draw_latents(self, num_images, seed):
        """`z` as every model draws it, and each level's noise plane from `[seed, k]`."""
        latents = super().draw_latents(num_images, seed)
        seed = tf.cast(seed, tf.int32)
        for k, size in enumerate(self.sizes[1:], start=1):
            latents[f"noise_{size}"] = tf.random.stateless_normal(
                [num_images, size, size, 1], tf.stack([seed, k]), alg="philox")
        return latents

    def generate_from(self, inputs, training=False):
        """Runs the generator on `{"z", "noise_<side>", ...}`."""
        noise = {size: inputs[f"noise_{size}"] for size in self.sizes[1:]}
        return self.sampler(self.generator_inputs(inputs["z"], noise=noise), training=training)

    def get_config(self):
        return {
            **super().get_config(),
            "base_size": self.base_size,
            "base_filters": self.base_filters,
            "kernel_size": self.kernel_size,
            "hidden_units": [list(widths) for widths in self.hidden_units],
            "generator_loss": self.generator_loss,
        }


@register_model
def lapgan(latent_dim=100, image_shape=(32, 32, 1), base_size=8, base_filters=64, kernel_size=5,
           hidden_units=((1200, 1200), (600, 600)), generator_loss="non_saturating", seed=None,
           **tricks):
    """LAPGAN on 32x32x1 digits (Denton et al. 2015): levels 8 -> 16 -> 32, fully
    connected GAN at 8x8, convolutional band GANs above; 64x64 via `image_shape`."""
    return LAPGAN(latent_dim=latent_dim, image_shape=image_shape, base_size=base_size,
                  base_filters=base_filters, kernel_size=kernel_size, hidden_units=hidden_units,
                  generator_loss=generator_loss, seed=seed, name="lapgan", **tricks)
