"""SNGAN: spectrally normalized discriminator trained with the hinge loss.

Reference:
    Miyato, Kataoka, Koyama & Yoshida, 2018, "Spectral Normalization for Generative
    Adversarial Networks", ICLR. https://arxiv.org/abs/1802.05957
"""

import keras
from keras import layers

from kerasgan import losses, networks, validation
from kerasgan.models.adversarial_step import CriticStepsModel
from kerasgan.registry import register_model


# Blocks ---------------------------------------------------------------------------


def spectral_norm_discriminator(image_shape, base_filters=64, power_iterations=1,
                                name="discriminator"):
    """The "standard CNN" discriminator of Miyato et al. (Table 3), spectrally normalized.

    Per resolution a 3x3 stride-1 and a 4x4 stride-2 convolution, then a 3x3
    convolution at 4x4 and a dense score (without bias); LeakyReLU(0.1), no batch norm. For 32x32
    images and `base_filters=64` this is the paper's 64-64-128-128-256-256-512 net.
    Each Conv2D and the Dense are wrapped in `keras.layers.SpectralNormalization`,
    which divides the kernel by its largest singular value, estimated by power
    iteration, on every training call.

    Args:
        image_shape: `(height, width, channels)`, square, side a power of two >= 8.
        base_filters: Filters at full resolution; each coarser resolution doubles them.
        power_iterations: Power iterations per training call (1 in the paper).
        name: Model name.

    Returns:
        A functional `keras.Model` from `images` to one score per image, `[batch, 1]`.
    """
    steps = networks.num_resolution_steps(image_shape)
    validation.check_positive_int("power_iterations", power_iterations)

    def normalized(layer):
        return layers.SpectralNormalization(
            layer, power_iterations=power_iterations, name=f"spectral_norm_{layer.name}"
        )

    images = keras.Input(shape=image_shape, name="images")
    x = images
    for i in range(steps):
        filters = base_filters * 2**i
        x = normalized(layers.Conv2D(filters, 3, padding="same", name=f"conv_{i}"))(x)
        x = layers.LeakyReLU(0.1, name=f"leaky_relu_{i}a")(x)
        x = normalized(layers.Conv2D(filters, 4, strides=2, padding="same",
                                     name=f"downsample_{i}"))(x)
        x = layers.LeakyReLU(0.1, name=f"leaky_relu_{i}b")(x)
    x = normalized(layers.Conv2D(base_filters * 2**steps, 3, padding="same", name="conv_top"))(x)
    x = layers.LeakyReLU(0.1, name="leaky_relu_top")(x)
    x = layers.Flatten(name="flatten")(x)
    # No bias: it shifts real and fake scores alike, and the hinge loss's gradient for
    # it is exactly 0 while every score is inside the margins, as at initialization.
    scores = normalized(layers.Dense(1, use_bias=False, name="logits"))(x)
    return keras.Model(images, scores, name=name)


# Model ----------------------------------------------------------------------------


@keras.saving.register_keras_serializable(package="kerasgan")
class SNGAN(CriticStepsModel):
    """GAN with a spectrally normalized discriminator and the hinge loss (Miyato et al. 2018).

    D minimizes `E[max(0, 1 - D(x))] + E[max(0, 1 + D(G(z)))]`, G minimizes
    `-E[D(G(z))]` (Eq. 16-17). Spectral normalization keeps each layer, hence D,
    about 1-Lipschitz without clipping or penalties. The generator is DCGAN's
    (batch norm, ReLU, tanh), close to the paper's standard CNN generator.
    Defaults are the paper's setting C (Table 1): Adam(2e-4, beta_1=0.5,
    beta_2=0.999) and one D step per G step (`n_critic=1`); its setting for ResNets
    is Adam(2e-4, beta_1=0, beta_2=0.9) with `n_critic=5`.

    With `n_critic > 1`, each D step draws fresh noise and reuses the step's real batch.
    Label smoothing does not apply to the hinge loss: the `label_smoothing` variable
    is ignored.

    Logged: `d_loss` (mean over the `n_critic` steps), `g_loss`, and `real_output` /
    `fake_output`, D's mean raw output on the real and generated batch (the hinge
    pushes them past +1 and -1).

    Args:
        base_filters: Filters of the discriminator's and the generator's full-resolution
            layers (64 in the paper).
        n_critic: Discriminator updates per generator update, >= 1.
        power_iterations: Power iterations per spectral normalization call, >= 1.
        **kwargs: `AdversarialModel` arguments (`latent_dim`, `image_shape`, ...).

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("sngan", base_filters=8)
    >>> model.compile()
    >>> model.generate(2, seed=0).shape
    (2, 32, 32, 1)
    """

    metric_names = ("d_loss", "g_loss", "real_output", "fake_output")
    objective = losses.get("hinge", "objective")
    score_logs = "output"
    paper = "Miyato et al. 2018, https://arxiv.org/abs/1802.05957"

    def __init__(self, base_filters=64, n_critic=1, power_iterations=1, **kwargs):
        self.base_filters = validation.check_positive_int("base_filters", base_filters)
        self.n_critic = self.critic_steps = validation.check_positive_int("n_critic", n_critic)
        self.power_iterations = validation.check_positive_int("power_iterations", power_iterations)
        super().__init__(**kwargs)

    def build_generator(self):
        return networks.dcgan_generator(self.latent_dim, self.image_shape, self.base_filters)

    def build_discriminator(self):
        return spectral_norm_discriminator(self.image_shape, self.base_filters,
                                           self.power_iterations)

    def default_optimizer(self, player):
        """Adam(2e-4, beta_1=0.5, beta_2=0.999), setting C of Miyato et al. (Table 1)."""
        del player
        return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5, beta_2=0.999)

    def get_config(self):
        return {
            **super().get_config(),
            "base_filters": self.base_filters,
            "n_critic": self.n_critic,
            "power_iterations": self.power_iterations,
        }


@register_model
def sngan(latent_dim=128, image_shape=(32, 32, 1), base_filters=64, n_critic=1,
          power_iterations=1, seed=None, **tricks):
    """SNGAN: spectrally normalized CNN discriminator, hinge loss (Miyato et al. 2018)."""
    return SNGAN(latent_dim=latent_dim, image_shape=image_shape, base_filters=base_filters,
                 n_critic=n_critic, power_iterations=power_iterations, seed=seed, name="sngan",
                 **tricks)
