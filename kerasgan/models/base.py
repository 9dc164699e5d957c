"""`AdversarialModel`: the core every GAN in the zoo subclasses (players, optimizers,
batches, latents, `generate`, serialization). See docs/architecture.md.
"""

import copy

import keras
import numpy as np
import tensorflow as tf

from kerasgan import distribute, tricks, validation
from kerasgan.models import serving
from kerasgan.tricks import TRICK_DEFAULTS  # noqa: F401  (its old import path)


def _num_replicas():
    return tf.distribute.get_strategy().num_replicas_in_sync


@keras.saving.register_keras_serializable(package="kerasgan")
class AdversarialModel(tricks.TrainingTricks, serving.LatentInputs, keras.Model):
    """Base class of the adversarial models: a generator and a discriminator, built
    on creation (`build_<name>()` or given), so `fit` and strategies need no first call.

    Args:
        latent_dim: Size of the latent vector `z`.
        image_shape: `(height, width, channels)` of generated images.
        num_classes: Number of classes for class-conditional variants; `None` for
            unconditional ones.
        generator: Optional ready-made generator (functional `keras.Model` taking `z`,
            or `[z, label]` when conditional). Built by `build_generator()` if None.
        discriminator: Optional ready-made discriminator, likewise.
        seed: Optional int seed of the latent-noise stream used during training.
        name: Model name; the registry passes the variant's name.
        ema_decay, historical_averaging, r1_weight, replay_buffer_size,
        replay_fraction, diffaugment: the training tricks (`kerasgan.tricks`), off.
    """

    #: Names of the `Mean` trackers, in the order `fit` prints them.
    metric_names = ("d_loss", "g_loss")
    #: Paper reference, for docs and model cards.
    paper = None
    #: Whether the variant needs `num_classes` (a class-conditional generator).
    conditional = False
    #: Attributes holding networks, serialized whole by `get_config`; extra ones (e.g.
    #: "encoder") are built by `build_<name>()` or given as keywords.
    network_names = ("generator", "discriminator")
    #: The network mapping images to latents (served as `encode`), or None.
    encoder_name = None
    #: Whether the generator maps images to images (`ImageToImageModel`).
    image_input = False
    #: Whether the generator is conditioned on text (text2image).
    text_input = False
    #: The dataset the variant trains on when a config names none.
    default_dataset = "digits"
    #: Why export writes no `.int8.tflite` for this variant, or None when it does.
    int8_skip_reason = None

    def __init__(self, latent_dim=100, image_shape=(32, 32, 1), num_classes=None,
                 generator=None, discriminator=None, seed=None, name=None, ema_decay=None,
                 historical_averaging=0.0, r1_weight=0.0, replay_buffer_size=0,
                 replay_fraction=0.5, diffaugment=None, **kwargs):
        # Extra networks of `network_names` (e.g. `encoder=`) come as keywords too.
        given_networks = {key: kwargs.pop(key, None) for key in self.network_names
                          if key not in ("generator", "discriminator")}
        options = dict(ema_decay=ema_decay, historical_averaging=historical_averaging,
                       r1_weight=r1_weight, replay_buffer_size=replay_buffer_size,
                       diffaugment=diffaugment)
        tricks.check_supported(type(self), options)
        super().__init__(name=name, **kwargs)
        # Image-to-image generators take no latent vector: latent_dim=None.
        self.latent_dim = (None if self.image_input and latent_dim is None
                           else validation.check_positive_int("latent_dim", latent_dim))
        self.image_shape = validation.check_image_shape(image_shape)
        self.num_classes = validation.check_conditioning(type(self).__name__,
                                                         self.conditional, num_classes)
        self.seed = seed
        self.generator = generator if generator is not None else self.build_generator()
        if discriminator is None:
            discriminator = self.build_discriminator()
        discriminator = self._wrap_discriminator(discriminator, options)
        self.discriminator = discriminator
        self._build_extra_networks(given_networks)
        self._check_network_shapes()
        self._build_tricks(ema_decay, historical_averaging, r1_weight, replay_buffer_size,
                           replay_fraction)
        # One-sided label smoothing (Salimans et al. 2016): real targets are
        # `1 - label_smoothing`, a variable so `LabelSmoothing` schedules it untraced.
        self.label_smoothing = keras.Variable(0.0, trainable=False, dtype="float32",
                                              name="label_smoothing")
        self.noise_seed = keras.random.SeedGenerator(seed, name="noise_seed")
        self.trackers = {n: keras.metrics.Mean(name=n) for n in self.metric_names}
        self.d_optimizer = None
        self.g_optimizer = None
        self.built = True

    # Networks -------------------------------------------------------------------

    def build_generator(self):
        """Returns the generator network. Subclasses override."""
        raise NotImplementedError(f"{type(self).__name__} must implement build_generator().")

    def build_discriminator(self):
        """Returns the discriminator network, or None (the VAE). Subclasses override."""
        raise NotImplementedError(f"{type(self).__name__} must implement build_discriminator().")

    def _build_extra_networks(self, given_networks):
        # Extra `network_names` come from `from_config` or `build_<name>()`.
        for key, given in given_networks.items():
            setattr(self, key, given if given is not None else getattr(self, f"build_{key}")())

    def player_networks(self):
        """The networks each player's optimizer trains, `{player: [network, ...]}`:
        `{"discriminator": [D], "generator": [G]}` by default (BiGAN adds its encoder
        to the generator's; the VAE has no discriminator). `compile` builds one
        optimizer per player listed (None for an absent one)."""
        players = {"generator": [self.generator]}
        if self.discriminator is not None:
            players = {"discriminator": [self.discriminator], **players}
        return players

    def player_weights(self, player):
        """The trainable weights `player`'s optimizer owns: those of its networks,
        each once (networks may share layers)."""
        return _unique_weights(self.player_networks().get(player, []))

    def _check_network_shapes(self):
        expected = (None, *self.image_shape)
        if tuple(self.generator.output_shape) != expected:
            raise ValueError(
                f"The generator's output shape {tuple(self.generator.output_shape)} does "
                f"not match image_shape={self.image_shape}."
            )

    def generator_inputs(self, z, labels=None):
        """Packs the generator's inputs: `z`, or `[z, labels]` when conditional."""
        return [z, labels] if self.num_classes else z

    def discriminator_inputs(self, images, labels=None):
        """Packs the discriminator's inputs: `images`, or `[images, labels]`."""
        return [images, labels] if self.num_classes else images

    def call(self, inputs, training=False):
        """Runs the generator: `model(z)` or `model([z, labels])` gives images in [-1, 1]
        (from the averaged generator when `ema_decay` is set, unless `training`)."""
        return (self.generator if training else self.sampler)(inputs, training=training)

    # Compilation ----------------------------------------------------------------

    def default_optimizer(self, player):
        """The optimizer used when `compile` gets none for `player`.

        Adam(2e-4, beta_1=0.5), as Radford et al. 2015 (Section 4) found stable.
        """
        del player
        return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5)

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Sets the two players' optimizers and the usual `compile` options.
        `model.optimizer` stays None: a third, unused optimizer would be saved.

        Args:
            d_optimizer: Optimizer (instance, name or config) of the discriminator.
            g_optimizer: Optimizer of the generator.
            **kwargs: Passed to `keras.Model.compile`, e.g. `steps_per_execution`,
                `jit_compile`, `run_eagerly`. `loss`, `optimizer` and `metrics` are
                rejected: the variant defines its losses and metrics.
        """
        for key in ("optimizer", "loss", "metrics"):
            if kwargs.get(key) is not None:
                raise ValueError(
                    f"{type(self).__name__}.compile() takes `d_optimizer` and `g_optimizer`; "
                    f"losses and metrics are defined by the variant. Received: {key}={kwargs[key]!r}"
                )
            kwargs.pop(key, None)
        players = self.player_networks()
        if d_optimizer is not None and "discriminator" not in players:
            raise ValueError(
                f"{type(self).__name__} has no discriminator, so it takes no d_optimizer. "
                f"Received: d_optimizer={d_optimizer!r}"
            )
        super().compile(optimizer=None, **kwargs)
        self._compile_kwargs = dict(kwargs)
        optimizers = {}
        for player, given in (("discriminator", d_optimizer), ("generator", g_optimizer)):
            if player not in players:
                optimizers[player] = None
                continue
            optimizer = keras.optimizers.get(given) or self.default_optimizer(player)
            # Under mixed_float16, small float16 gradients underflow to zero: scale the
            # loss (`apply_gradients` seeds backprop with the scale) and let the wrapper
            # unscale and skip non-finite steps, as `keras.Model.compile` does for one
            # optimizer. bfloat16 has float32's range and needs none.
            if (self.dtype_policy.name == "mixed_float16"
                    and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer)):
                optimizer = keras.optimizers.LossScaleOptimizer(
                    optimizer, name=f"{player[0]}_loss_scale")
            # Built here, inside whatever strategy scope `compile` runs in, so `fit`
            # works under `tf.distribute` (keras-team/keras#20164) and `.keras` loading
            # finds the slots to restore.
            optimizer.build(self.player_weights(player))
            optimizers[player] = optimizer
        self.d_optimizer = optimizers["discriminator"]
        self.g_optimizer = optimizers["generator"]

    def get_compile_config(self):
        if self.g_optimizer is None:
            return None
        return {
            "d_optimizer": (None if self.d_optimizer is None
                            else keras.saving.serialize_keras_object(self.d_optimizer)),
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
            **self._compile_kwargs,
        }

    def compile_from_config(self, config):
        config = dict(config)
        for key in ("d_optimizer", "g_optimizer"):
            if config.get(key) is not None:
                config[key] = keras.saving.deserialize_keras_object(config[key])
        self.compile(**config)

    # Training helpers -------------------------------------------------------------

    @property
    def metrics(self):
        return list(self.trackers.values())

    def unpack(self, data):
        """Splits a batch into `(images, labels)` (None if absent). Raises ValueError
        for a conditional model's unlabeled batch, or images not of `image_shape`."""
        if isinstance(data, (tuple, list)):
            images = data[0]
            labels = data[1] if len(data) > 1 else None
        else:
            images, labels = data, None
        if self.num_classes and labels is None:
            raise ValueError(
                f"{type(self).__name__} is class-conditional: the dataset must yield "
                "(images, labels) batches. Received batches of images only."
            )
        validation.check_batch_shape(
            type(self).__name__, "images", images, self.image_shape,
            f"Load the data with matching `image_size` and `channels` (kerasgan.data.load(..., "
            f"image_size={self.image_shape[0]}, channels={self.image_shape[-1]})) or build "
            "the model with that image_shape.")
        if labels is not None:
            labels = tf.cast(tf.reshape(labels, [-1]), tf.int32)
        return images, labels

    def sample_latents(self, batch_size):
        """Draws `z ~ N(0, I)` `[batch_size, latent_dim]` for training, from the saved
        `noise_seed` folded with the replica id (so replicas draw different noise,
        which `keras.random.normal(seed=SeedGenerator)` does not)."""
        seed = distribute.replica_seed(self.noise_seed)
        # Philox by name, not the device's "auto_select". Under jit_compile XLA runs
        # its own Philox on computed seeds and draws another (equally good) stream:
        # runs are reproducible with XLA and without, not across the two.
        return tf.random.stateless_normal((batch_size, self.latent_dim), seed=seed,
                                          alg="philox")

    def apply_gradients(self, tape, loss, network, optimizer):
        """Applies `d loss / d weights` of `network` (a network or a list trained
        together) with `optimizer`. `loss` is this replica's batch mean: gradients are
        divided by the replica count so the summed update is the global-batch mean
        (and multiplied by a `LossScaleOptimizer`'s scale, which it divides out)."""
        networks = list(network) if isinstance(network, (list, tuple)) else [network]
        weights = _unique_weights(networks)
        # Seeding backprop with 1/replicas scales dense and sparse (IndexedSlices,
        # from embeddings) gradients alike; the same seed carries the loss scale.
        seed = tf.constant(1.0 / _num_replicas(), dtype="float32")
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            seed = optimizer.scale_loss(seed)
        seed = tf.cast(seed, loss.dtype)
        gradients = tape.gradient(loss, weights, output_gradients=seed)
        gradients = self._trick_gradients(networks, weights, gradients, seed)
        optimizer.apply_gradients(zip(gradients, weights))
        self._update_tricks(networks)

    def update_metrics(self, **values):
        """Feeds unscaled per-replica values to the trackers; returns the logs dict."""
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        raise NotImplementedError(f"{type(self).__name__} must implement train_step().")

    def test_step(self, data):
        raise NotImplementedError("GANs have no validation loss: use kerasgan.evaluation.")

    # Sampling -------------------------------------------------------------------

    def check_labels(self, labels, num_images):
        """Validates class labels for a conditional model; returns int32 numpy labels."""
        return validation.check_categories("labels", labels, num_images, self.num_classes)

    def check_inputs(self, inputs, num_images):
        """Checks `generate(**inputs)` (InfoGAN's codes, StyleGAN's `truncation`);
        returns `{name: numpy array}` to use in place of drawn ones. The base takes none."""
        del num_images
        for key in inputs:
            raise TypeError(f"generate() got an unexpected keyword argument {key!r}")
        return {}

    def generate(self, num_images, labels=None, seed=None, batch_size=256, **inputs):
        """Generates images in [-1, 1] as a float32 numpy array `[num, H, W, C]`.

        Args:
            num_images: How many images.
            labels: Class labels of conditional models: one int for all, or one per
                image. Default: classes in turn.
            seed: Int seed for reproducible latents; random if None.
            batch_size: Images per generator call.
            **inputs: Chosen values of inputs that are otherwise drawn, by name
                (InfoGAN's `code`, `continuous_code`; StyleGAN's `truncation`),
                checked by `check_inputs`.

        Returns:
            numpy array, float32, `[num_images, *image_shape]`.
        """
        num_images = validation.check_positive_int("num_images", num_images)
        if self.num_classes:
            if labels is None:
                labels = np.arange(num_images) % self.num_classes
            labels = self.check_labels(labels, num_images)
        elif labels is not None:
            raise ValueError(f"{self.name} is unconditional and takes no `labels`.")
        chosen = {key: value for key, value in self.check_inputs(inputs, num_images).items()
                  if value is not None}
        if seed is None:
            seed = np.random.randint(0, 2**31 - 1)
        latents = {**self.draw_latents(num_images, int(seed)),
                   **{key: tf.constant(value) for key, value in chosen.items()}}
        if labels is not None:
            latents["label"] = tf.constant(labels)
        chunks = [self.generate_from({key: value[start:start + batch_size]
                                      for key, value in latents.items()})
                  for start in range(0, num_images, batch_size)]
        return np.concatenate([np.asarray(c) for c in chunks]).astype(np.float32)

    def generate_from(self, inputs, training=False):
        """Runs the generator on serving inputs (`z`, `label`, ...); images in [-1, 1]."""
        return self.sampler(self.generator_inputs(inputs["z"], inputs.get("label")),
                            training=training)

    def encode(self, images, training=False):
        """Maps images in [-1, 1] to `z` `[batch, latent_dim]` with the `encoder_name`
        network (the VAE overrides it: its encoder returns more than `z`)."""
        if not self.encoder_name:
            raise ValueError(f"{type(self).__name__} has no encoder.")
        return getattr(self, self.encoder_name)(images, training=training)

    # Serialization ----------------------------------------------------------------

    def get_config(self):
        return {
            "name": self.name,
            "latent_dim": self.latent_dim,
            "image_shape": list(self.image_shape),
            "num_classes": self.num_classes,
            "seed": self.seed,
            **self.trick_config(),
            **{
                key: keras.saving.serialize_keras_object(getattr(self, key))
                for key in self.network_names
            },
        }

    def save_own_variables(self, store):
        # Keras saves a layer's variables, not its seed generators' states: without
        # this, a resumed run would restart its training noise stream.
        super().save_own_variables(store)
        store["noise_seed"] = self.noise_seed.state

    def load_own_variables(self, store):
        keys = list(store.keys())
        if "noise_seed" in keys:  # files written before 0.1.0's issue 17 lack it
            self.noise_seed.state.assign(store["noise_seed"])
        super().load_own_variables({key: store[key] for key in keys if key != "noise_seed"})

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # deserializing consumes the nested configs
        for key in cls.network_names:
            if config.get(key) is not None:
                config[key] = keras.saving.deserialize_keras_object(config[key])
        config["image_shape"] = tuple(config["image_shape"])
        return cls(**config)


def _unique_weights(networks):
    """The trainable weights of `networks`, each once, in order."""
    seen, weights = set(), []
    for network in networks:
        for weight in network.trainable_weights:
            if id(weight) not in seen:
                seen.add(id(weight))
                weights.append(weight)
    return weights
