"""`AdversarialModel`: the base class every GAN in the zoo subclasses.

The base owns what every variant shares: the networks, the two optimizers and their
(de)serialization, loss trackers, the label-smoothing variable, latent sampling that
is correct under `tf.distribute`, `generate()`, and the endpoints that export uses.
A variant overrides `train_step` and the network builders, and only what differs.
Image-to-image variants (pix2pix; CycleGAN, SRGAN) subclass `ImageToImageModel`, which
trains on `(source, target)` pairs, translates instead of sampling latents, and
serves uint8 images in and out.

Writing a variant:

```python
class MyGAN(AdversarialModel):
    metric_names = ("d_loss", "g_loss")

    def __init__(self, base_filters=64, **kwargs):
        self.base_filters = base_filters  # set before super(): the builders read it
        super().__init__(**kwargs)

    def build_generator(self): ...
    def build_discriminator(self): ...
    def train_step(self, data): ...
    def get_config(self):
        return {**super().get_config(), "base_filters": self.base_filters}
```
"""

import copy

import keras
import numpy as np
import tensorflow as tf

from kerasgan import layers as kerasgan_layers
from kerasgan import data, distribute, losses, tricks, validation
from kerasgan.images import fit_to_shape, from_uint8, to_uint8

#: The training-trick options every variant takes, with their defaults (all off).
#: Registry factories pass them through `**tricks`.
TRICK_DEFAULTS = {
    "ema_decay": None,
    "historical_averaging": 0.0,
    "r1_weight": 0.0,
    "replay_buffer_size": 0,
    "replay_fraction": 0.5,
    "diffaugment": None,
}


def _num_replicas():
    return tf.distribute.get_strategy().num_replicas_in_sync


@keras.saving.register_keras_serializable(package="kerasgan")
class AdversarialModel(keras.Model):
    """Base class of the adversarial models: a generator and a discriminator.

    Subclasses build their networks in `build_generator()` / `build_discriminator()`
    (or receive them ready-made), list their tracked scalars in `metric_names`, and
    override `train_step`. The model is built on creation, so `fit` and
    `tf.distribute` strategies need no first call.

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
        ema_decay: If set, in (0, 1): keep an exponential moving average of the
            generator's weights (`tricks.ExponentialMovingAverage`); `generate()`,
            the TensorBoard grids and the export then use the averaged generator.
        historical_averaging: Weight of Salimans et al.'s historical-averaging
            penalty on both players' weights (`tricks.HistoricalAverage`); 0: off.
        r1_weight: `gamma` of the R1 penalty on real data (Mescheder et al. 2018),
            added to the discriminator's loss by `discriminator_penalty`; 0: off.
        replay_buffer_size: Past fakes kept to show the discriminator again
            (`tricks.ReplayBuffer`, Shrivastava et al. 2017); 0: off.
        replay_fraction: Share of each fake batch the discriminator takes from the
            replay buffer.
        diffaugment: A DiffAugment policy such as `"color,translation,cutout"`
            (Zhao et al. 2020): every image the discriminator sees in training, real
            or fake, is augmented the same differentiable way. None: off.
    """

    #: Names of the `Mean` trackers, in the order `fit` prints them.
    metric_names = ("d_loss", "g_loss")
    #: Paper reference, for docs and model cards.
    paper = None
    #: Whether the variant needs `num_classes` (a class-conditional generator).
    conditional = False
    #: Attributes holding networks, serialized whole by `get_config`. Names beyond
    #: the two players' (e.g. "encoder") are built by `build_<name>()` and accepted
    #: as constructor keywords, like `generator=`.
    network_names = ("generator", "discriminator")
    #: The network that maps images to latents (BiGAN's and the AAE's "encoder"), or
    #: None. Export serves it as the `encode` signature with its own `.tflite`.
    encoder_name = None
    #: Whether the generator maps images to images (`ImageToImageModel`) rather than
    #: latents (and labels) to images.
    image_input = False
    #: Whether the generator is conditioned on text (text2image): batches carry
    #: captions, serving takes strings, and labels stand for captions of their class.
    text_input = False
    #: The dataset the variant trains on by default (what `training` loads when the
    #: config names none; the registry records it for each factory).
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
        super().__init__(name=name, **kwargs)
        # Image-to-image generators take no latent vector: latent_dim=None.
        self.latent_dim = (None if self.image_input and latent_dim is None
                           else validation.check_positive_int("latent_dim", latent_dim))
        self.image_shape = validation.check_image_shape(image_shape)
        self.num_classes = validation.check_optional_num_classes(num_classes)
        if self.conditional and self.num_classes is None:
            raise ValueError(
                f"{type(self).__name__} is class-conditional: `num_classes` must be an "
                f"integer >= 2. Received: num_classes={num_classes!r}"
            )
        if not self.conditional and self.num_classes is not None:
            raise ValueError(
                f"{type(self).__name__} is unconditional and takes no labels. "
                f"Received: num_classes={num_classes!r}. Use a conditional variant such as 'cgan'."
            )
        self.seed = seed
        self.generator = generator if generator is not None else self.build_generator()
        discriminator = (
            discriminator if discriminator is not None else self.build_discriminator()
        )
        self.diffaugment = diffaugment or None
        if discriminator is None:
            _refuse_without_discriminator(type(self).__name__, diffaugment=diffaugment,
                                          r1_weight=r1_weight,
                                          replay_buffer_size=replay_buffer_size)
        elif self.diffaugment is not None and not _find_layer(discriminator,
                                                            kerasgan_layers.DiffAugment):
            # Loaded models arrive with the wrapper already in their discriminator.
            try:
                discriminator = _with_diffaugment(discriminator, self.diffaugment)
            except ValueError as error:
                raise ValueError(f"Invalid diffaugment={diffaugment!r}: {error}") from None
        self.discriminator = discriminator
        self._build_extra_networks(given_networks)
        self._check_network_shapes()
        self._build_tricks(ema_decay, historical_averaging, r1_weight, replay_buffer_size,
                           replay_fraction)
        # One-sided label smoothing (Salimans et al. 2016): the target for real images
        # is `1 - label_smoothing`. A variable, so `LabelSmoothing` can schedule it
        # without retracing the train step, and so it is saved with the model.
        self.label_smoothing = keras.Variable(
            0.0, trainable=False, dtype="float32", name="label_smoothing"
        )
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
        """Returns the discriminator network, or None for a model without one (the
        VAE baseline). Subclasses override."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement build_discriminator()."
        )

    def _build_extra_networks(self, given_networks):
        # Networks listed in `network_names` beyond the two players' (an encoder, ...)
        # arrive ready-made from `from_config` or are built by `build_<name>()`.
        for key, given in given_networks.items():
            setattr(self, key, given if given is not None else getattr(self, f"build_{key}")())

    def player_networks(self):
        """The networks each player's optimizer trains, `{player: [network, ...]}`.

        By default `{"discriminator": [discriminator], "generator": [generator]}`.
        Variants with more networks say who trains them: BiGAN's encoder plays on
        the generator's side, a VAE has only a "generator" player (decoder and
        encoder). `compile` creates and builds one optimizer per player listed here
        (`d_optimizer`, `g_optimizer`; None for a player that is absent), and
        `apply_gradients(tape, loss, self.player_networks()[player], ...)` updates
        them all in one step.
        """
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

    # Training tricks ---------------------------------------------------------------

    def _build_tricks(self, ema_decay, historical_averaging, r1_weight, replay_buffer_size,
                      replay_fraction):
        self.ema_decay = None if ema_decay is None else validation.check_fraction(
            "ema_decay", ema_decay)
        self.historical_averaging = validation.check_non_negative_number(
            "historical_averaging", historical_averaging)
        self.r1_weight = validation.check_non_negative_number("r1_weight", r1_weight)
        self.replay_buffer_size = validation.check_int_at_least(
            "replay_buffer_size", replay_buffer_size, 0)
        self.replay_fraction = validation.check_fraction(
            "replay_fraction", replay_fraction, upper_inclusive=True)
        self.generator_ema = (tricks.ExponentialMovingAverage(
            self.generator, self.ema_decay, name="generator_ema") if self.ema_decay else None)
        self.historical_averages = {
            network: tricks.HistoricalAverage(
                getattr(self, network), self.historical_averaging,
                name=f"{network}_historical_average")
            for network in ("generator", "discriminator") if getattr(self, network) is not None
        } if self.historical_averaging else {}
        self.replay_buffer = tricks.ReplayBuffer(
            self.replay_buffer_size, self.image_shape, self.replay_fraction,
            with_labels=bool(self.num_classes), name="replay_buffer",
        ) if self.replay_buffer_size else None

    def trick_config(self):
        """The training-trick options, as `get_config` writes them."""
        return {key: getattr(self, key) for key in TRICK_DEFAULTS}

    @property
    def sampler(self):
        """What makes the model's images: the generator, or, when `ema_decay` is set,
        the `tricks.ExponentialMovingAverage` layer that runs the generator on its
        averaged weights. `generate()`, `generate_from()`, `model(z)`, the
        TensorBoard grids and the export use it; training updates `generator`."""
        return self.generator_ema if self.generator_ema is not None else self.generator

    @property
    def core_discriminator(self):
        """The discriminator without the DiffAugment wrapper (the one the variant built)."""
        if self.discriminator is not None and _find_layer(self.discriminator, kerasgan_layers.DiffAugment):
            return self.discriminator.get_layer(_CORE_NAME)
        return self.discriminator

    def replay(self, fake_images, labels=None):
        """The fakes the discriminator trains on: `(fake_images, labels)` as given, or
        with part of the batch taken from the replay buffer when it is on (variants
        call this in their discriminator step, not in the generator step)."""
        if self.replay_buffer is None:
            return fake_images, labels
        return self.replay_buffer(fake_images, labels, distribute.replica_seed(self.noise_seed))

    def discriminator_penalty(self, real_images, labels=None):
        """Regularizers of the discriminator's loss on real data: the R1 penalty
        `r1_weight / 2 * E|grad_x D(x)|^2` on D's first output (its real/fake logit),
        or 0.0 when off. Variants add it to their discriminator loss."""
        if not self.r1_weight:
            return 0.0

        def realness(images):
            return self.realness(self.discriminator(
                self.discriminator_inputs(images, labels), training=True))

        return losses.r1_penalty(realness, real_images, gamma=self.r1_weight)

    def realness(self, outputs):
        """The discriminator's real/fake score among its outputs: the first one."""
        return outputs[0] if isinstance(outputs, (list, tuple)) else outputs

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

        `model.optimizer` stays None on purpose: a GAN has two optimizers, and a
        third, unused one would be logged by TensorBoard and saved for nothing.

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

    def schedule_callbacks(self):
        """Callbacks the variant's training schedule needs (ProGAN's growth), which
        `fit` adds to the user's. None by default."""
        return []

    def fit(self, *args, callbacks=None, **kwargs):
        """`keras.Model.fit`, plus the callbacks of `schedule_callbacks()` that the
        caller did not pass already (by type), so a plain `model.fit` follows the
        variant's schedule."""
        callbacks = list(callbacks or [])
        for callback in self.schedule_callbacks():
            if not any(isinstance(c, type(callback)) for c in callbacks):
                callbacks.insert(0, callback)
        return super().fit(*args, callbacks=callbacks, **kwargs)

    # Training helpers -------------------------------------------------------------

    @property
    def metrics(self):
        return list(self.trackers.values())

    def unpack(self, data):
        """Splits a batch into `(images, labels)`; labels are None if absent.

        Raises:
            ValueError: if the model is conditional and the batch has no labels, or the
                images' shape is not the model's `image_shape`.
        """
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
        shape = tuple(images.shape[1:])
        if len(shape) != 3 or any(d is not None and d != e for d, e in zip(shape, self.image_shape)):
            raise ValueError(
                f"{type(self).__name__} was built for images of shape {tuple(self.image_shape)} "
                f"but the dataset yields {shape}. Load the data with matching `image_size` "
                f"and `channels` (kerasgan.data.load(..., image_size={self.image_shape[0]}, "
                f"channels={self.image_shape[-1]})) or build the model with that image_shape."
            )
        if labels is not None:
            labels = tf.cast(tf.reshape(labels, [-1]), tf.int32)
        return images, labels

    def sample_latents(self, batch_size):
        """Draws `z ~ N(0, I)` of shape `[batch_size, latent_dim]` for training.

        Seeds come from the model's `SeedGenerator` (saved with the model, so a
        resumed run continues the stream) folded with the replica id: replicas draw
        different noise, which `keras.random.normal(seed=SeedGenerator)` does not.
        """
        seed = distribute.replica_seed(self.noise_seed)
        # Philox by name, not the device's "auto_select". Under jit_compile XLA runs
        # its own Philox on computed seeds and draws another (equally good) stream:
        # runs are reproducible with XLA and without, not across the two.
        return tf.random.stateless_normal((batch_size, self.latent_dim), seed=seed,
                                          alg="philox")

    def apply_gradients(self, tape, loss, network, optimizer):
        """Applies `d loss / d weights` with `optimizer`, for the trainable weights of
        `network` (a network or a list of networks trained together, such as
        `self.player_networks()["generator"]`).

        `loss` is this replica's batch mean; dividing the gradients by the number of
        replicas makes the all-reduced (summed) update the global-batch mean. With a
        `LossScaleOptimizer` (mixed_float16) the gradients are also multiplied by its
        loss scale, which its `apply` divides out again.
        """
        networks = list(network) if isinstance(network, (list, tuple)) else [network]
        weights = _unique_weights(networks)
        # Seeding backprop with 1/replicas scales dense and sparse (IndexedSlices,
        # from embeddings) gradients alike; the same seed carries the loss scale.
        seed = tf.constant(1.0 / _num_replicas(), dtype="float32")
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            seed = optimizer.scale_loss(seed)
        seed = tf.cast(seed, loss.dtype)
        gradients = tape.gradient(loss, weights, output_gradients=seed)
        averages = [average for key, average in self.historical_averages.items()
                    if any(getattr(self, key) is n for n in networks)]
        if averages:
            # The penalty's gradient, scaled like the loss's (replicas, loss scale).
            seed = tf.cast(seed, "float32")
            position = {id(w): i for i, w in enumerate(weights)}
            gradients = [tf.convert_to_tensor(g) for g in gradients]
            for average in averages:
                for weight, penalty in zip(average.network.trainable_weights,
                                           average.penalty_gradients()):
                    i = position[id(weight)]
                    gradients[i] = gradients[i] + seed * penalty
        optimizer.apply_gradients(zip(gradients, weights))
        for average in averages:
            average.update()
        if self.generator_ema is not None and any(n is self.generator for n in networks):
            self.generator_ema.update()

    def update_metrics(self, **values):
        """Feeds unscaled per-replica values to the trackers; returns the logs dict."""
        for name, value in values.items():
            self.trackers[name].update_state(value)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        raise NotImplementedError(f"{type(self).__name__} must implement train_step().")

    def test_step(self, data):
        raise NotImplementedError(
            "GANs have no validation loss: use kerasgan.evaluation to measure a generator."
        )

    # Sampling -------------------------------------------------------------------

    def check_labels(self, labels, num_images):
        """Validates class labels for a conditional model; returns int32 numpy labels."""
        return validation.check_categories("labels", labels, num_images, self.num_classes)

    def generate(self, num_images, labels=None, seed=None, batch_size=256):
        """Generates images in [-1, 1] as a float32 numpy array `[num, H, W, C]`.

        Args:
            num_images: How many images.
            labels: Class labels for conditional models: one int for all, or one
                per image. Default: classes in turn, `0, 1, ..., num_classes - 1, 0, ...`.
            seed: Int seed for reproducible latents; random if None.
            batch_size: Images per generator call.

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
        if seed is None:
            seed = np.random.randint(0, 2**31 - 1)
        latents = self.draw_latents(num_images, int(seed))
        conditions = {} if labels is None else {"label": tf.constant(labels)}
        chunks = []
        for start in range(0, num_images, batch_size):
            stop = start + batch_size
            chunk = {key: value[start:stop] for key, value in {**latents, **conditions}.items()}
            chunks.append(self.generate_from(chunk))
        return np.concatenate([np.asarray(c) for c in chunks]).astype(np.float32)

    # Export ---------------------------------------------------------------------

    def latent_specs(self):
        """The generator's random inputs, `{name: TensorSpec}` with batch dimension None.

        `z` float32 `[None, latent_dim]` by default; variants with latent codes
        (InfoGAN) add theirs. They are inputs of `serving_default` and are drawn
        inside the graph by the `sample` signature.
        """
        return {"z": tf.TensorSpec([None, self.latent_dim], tf.float32, name="z")}

    def condition_specs(self):
        """The generator's chosen (not random) inputs: `label` int32 `[None]` when
        class-conditional, else nothing."""
        if self.num_classes:
            return {"label": tf.TensorSpec([None], tf.int32, name="label")}
        return {}

    def input_distributions(self):
        """How a client draws each serving input, written into `model_card.json` so a
        phone app (which has no `sample` signature) can make valid inputs.

        Returns:
            `{name: {"distribution": "normal"}}` for `z`, and `{"distribution":
            "categorical", "num_values": num_classes}` for `label`. Variants with
            other latents override this next to `latent_specs`.
        """
        distributions = {"z": {"distribution": "normal", "mean": 0.0, "stddev": 1.0}}
        if self.num_classes:
            distributions["label"] = {"distribution": "categorical",
                                      "num_values": int(self.num_classes)}
        return distributions

    def draw_latents(self, num_images, seed):
        """Draws the random inputs of `latent_specs` with stateless ops.

        The same `(num_images, seed)` gives the same latents in eager code, in the
        exported `sample` signature and in `generate(seed=...)`.

        Args:
            num_images: Int or int32 scalar tensor.
            seed: Int or int32 scalar tensor.

        Returns:
            Dict of tensors keyed like `latent_specs()`.
        """
        seed = tf.stack([tf.cast(seed, tf.int32), 0])
        return {"z": tf.random.stateless_normal([num_images, self.latent_dim], seed=seed,
                                                alg="philox")}

    def serving_examples(self, num_images, seed=0):
        """Example inputs of `serving_default` as numpy arrays: the latents drawn with
        `seed`, and classes in turn for conditional models. Tests and
        `export.example_inputs` use them."""
        inputs = {key: np.asarray(value)
                  for key, value in self.draw_latents(num_images, seed).items()}
        if "label" in self.condition_specs():
            inputs["label"] = (np.arange(num_images) % self.num_classes).astype(np.int32)
        return inputs

    def generate_from(self, inputs, training=False):
        """Runs the generator on a dict of serving inputs (`z`, `label`, ...);
        returns float images in [-1, 1]."""
        return self.sampler(
            self.generator_inputs(inputs["z"], inputs.get("label")), training=training
        )

    def export_endpoints(self):
        """The serving functions export writes, as `{name: (function, input_signature)}`.

        - `serving_default`: the inputs of `latent_specs` and `condition_specs` (`z`
          float32 `[None, latent_dim]`, plus `label` int32 `[None]` when conditional)
          to `images` uint8 `[None, H, W, C]`.
        - `sample`: `num_images` and `seed` int32 scalars (plus `label` int32 `[None]`,
          repeated in turn over the images, so one label gives all images that
          class) to `images` uint8, `images_float` float32 in [-1, 1], and the drawn
          latents, so a client asks for images without sending noise.

        - `encode` (models with an encoder): `images` uint8 `[None, H, W, C]` to `z`
          float32 `[None, latent_dim]`.

        The networks run in inference mode. Variants with other networks add entries.
        """
        latent_names = list(self.latent_specs())
        condition_specs = self.condition_specs()
        serving_specs = [*self.latent_specs().values(), *condition_specs.values()]
        serving_names = [*latent_names, *condition_specs]

        def serve(*args):
            # Signature calls do not check shapes: say which input is wrong instead of
            # failing deep inside a MatMul. (LiteRT conversion drops these checks.)
            inputs = {name: tf.ensure_shape(arg, spec.shape, name=name)
                      for name, arg, spec in zip(serving_names, args, serving_specs)}
            return {"images": to_uint8(self.generate_from(inputs))}

        def sample(num_images, seed, *conditions):
            inputs = self.draw_latents(num_images, seed)
            if "label" in condition_specs:
                label = conditions[0]
                inputs["label"] = tf.gather(label, tf.range(num_images) % tf.size(label))
            images = self.generate_from(inputs)
            return {"images": to_uint8(images), "images_float": images,
                    **{key: inputs[key] for key in latent_names}}

        sample_specs = [tf.TensorSpec([], tf.int32, name="num_images"),
                        tf.TensorSpec([], tf.int32, name="seed"),
                        *condition_specs.values()]
        endpoints = {"serving_default": (serve, serving_specs), "sample": (sample, sample_specs)}
        if self.encoder_name:
            def encode(images):
                images = tf.ensure_shape(images, [None, *self.image_shape], name="images")
                return {"z": self.encode(from_uint8(images))}

            endpoints["encode"] = (encode, [tf.TensorSpec([None, *self.image_shape], tf.uint8,
                                                          name="images")])
        return endpoints

    def export_networks(self):
        """The networks whose variables the export must hold (the averaged generator
        when `ema_decay` is set, and the encoder if any)."""
        extra = [getattr(self, self.encoder_name)] if self.encoder_name else []
        return [self.sampler, *extra]

    def encode(self, images, training=False):
        """Maps images in [-1, 1] to latent codes `z` `[batch, latent_dim]` with the
        model's encoder (`encoder_name`). Variants whose encoder returns more than
        `z` (the VAE's mean and log-variance) override this."""
        if not self.encoder_name:
            raise ValueError(f"{type(self).__name__} has no encoder.")
        return getattr(self, self.encoder_name)(images, training=training)

    def card_details(self):
        """Facts of the variant's setup that its export's `model_card.json` records under
        `details` (e.g. the content loss SRGAN chose); `{}` (no entry) by default. Values
        must be JSON-serializable."""
        return {}

    def tflite_signatures(self):
        """The SavedModel signatures that export converts to `.tflite` files, each
        its own file: `serving_default`, plus `encode` when the model has an encoder."""
        return ("serving_default", "encode") if self.encoder_name else ("serving_default",)

    def calibration_inputs(self, signature, num_examples=128, seed=1234):
        """Representative inputs of a further `.tflite` signature for int8 calibration,
        one dict of numpy arrays per example (batch 1), or None: that signature gets no
        `.int8.tflite` (the default). `serving_default` is calibrated on the model's
        latents and classes (`export.representative_inputs`)."""
        del signature, num_examples, seed
        return None

    def export_files(self):
        """Files export writes beside the `.tflite` files, `{file name: bytes}` (the
        vocabulary of text2image); `{}` by default. They are staged, verified and renamed
        into place with the rest, and listed under `files` in the model card."""
        return {}

    def tensorboard_grid(self, num_images, seed=0):
        """A variant's own `callbacks.TensorBoardImages` grid, or None for the default
        (samples of fixed latents; translation triplets for image-to-image models).

        Returns:
            None, or a dict: `images`, a function of no arguments returning the grid's
            float images in [-1, 1] in order (from fixed inputs, so grids of successive
            epochs compare); `columns`; and optionally `text`, a list of str written
            with `tf.summary.text` beside the grid (e.g. the captions of its rows).
        """
        del num_images, seed
        return None

    def signature_descriptions(self):
        """`{signature: one line}` saying what a signature does, which export writes
        into the model card beside the signature and its `.tflite` files (CycleGAN
        names each file's direction); `{}` by default."""
        return {}

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

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # deserializing consumes the nested configs
        for key in cls.network_names:
            if config.get(key) is not None:
                config[key] = keras.saving.deserialize_keras_object(config[key])
        config["image_shape"] = tuple(config["image_shape"])
        return cls(**config)


@keras.saving.register_keras_serializable(package="kerasgan")
class ImageToImageModel(AdversarialModel):
    """Base class of the image-to-image models (pix2pix; CycleGAN and SRGAN reuse it):
    the generator maps a source image to a target image, with no latent vector.

    What differs from `AdversarialModel`:

    - Batches are `(sources, targets)` pairs (`kerasgan.data.load_pairs`);
      `unpack_pairs` splits and checks them. `default_dataset` names the pairs the
      defaults are made for (the registry records it for training).
    - `translate(images)` takes the place of `generate`, which raises: there are no
      latents to draw. `example_pairs(n)` gives held-out pairs for grids, tests and
      evaluation.
    - The discriminator takes `[images, sources]` (`discriminator_inputs(images,
      sources)`): the judged image first, conditioned on its source, so the base's R1
      penalty (`discriminator_penalty(targets, sources)`) differentiates with respect
      to the judged image only.
    - Export serves `serving_default`: `images` uint8 `[None, *source_shape]` to
      `images` uint8 `[None, *image_shape]`; there is no `sample` signature and no
      `.int8.tflite` (see `int8_skip_reason`).

    Args:
        source_shape: `(height, width, channels)` of the source images; default
            `image_shape` (pix2pix translates between images of one size).
        **kwargs: `AdversarialModel` arguments; `latent_dim` stays None. `diffaugment`
            and `replay_buffer_size` are refused: both act on the judged image alone
            and would separate it from its source.
    """

    image_input = True
    default_dataset = "digits_edges"
    int8_skip_reason = (
        "full-integer quantization is calibrated on representative inputs, and an "
        "image-to-image model's inputs are its dataset's images, which the export "
        "cannot see and `verify` (which runs from the files alone, on inputs drawn as "
        "the model card describes) cannot reproduce: an int8 file calibrated on one "
        "input distribution and checked on another could fail or pass unchecked. "
        "The float32 and float16 files are written and verified."
    )

    def __init__(self, source_shape=None, **kwargs):
        for key in ("diffaugment", "replay_buffer_size"):
            if kwargs.get(key):
                raise ValueError(
                    f"{type(self).__name__} cannot use `{key}`: it acts on the judged image "
                    f"alone and would separate it from its source. Received: "
                    f"{key}={kwargs[key]!r}")
        kwargs.setdefault("latent_dim", None)
        image_shape = validation.check_image_shape(kwargs.get("image_shape", (32, 32, 1)))
        self.source_shape = (image_shape if source_shape is None
                             else validation.check_image_shape(source_shape))
        super().__init__(**kwargs)

    # Data ------------------------------------------------------------------------

    def unpack_pairs(self, data):
        """Splits a batch into `(sources, targets)` and checks their shapes.

        Raises:
            ValueError: if the batch is not a pair, or a shape is not the model's.
        """
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            raise ValueError(
                f"{type(self).__name__} trains on (sources, targets) batches of image pairs "
                f"(kerasgan.data.load_pairs). Received: a batch of type {type(data).__name__}")
        sources, targets = data
        advice = ("Load the pairs at the model's size or build the model with matching "
                  "image_shape/source_shape.")
        self._check_batch_shape("sources", sources, self.source_shape, advice)
        self._check_batch_shape("targets", targets, self.image_shape, advice)
        return sources, targets

    def _check_batch_shape(self, what, tensor, shape, advice):
        """Raises a ValueError naming `what`, the model's `shape` and the batch's, unless
        the batch's known dimensions are `shape`'s; `advice` says what to do."""
        have = tuple(tensor.shape[1:])
        if len(have) != 3 or any(d is not None and d != e for d, e in zip(have, shape)):
            raise ValueError(f"{type(self).__name__} was built for {what} of shape {shape} "
                             f"but the dataset yields {have}. {advice}")

    def example_pairs(self, num_images, split="test"):
        """Pairs of `default_dataset` (held out by default), brought to the model's
        shapes: float32 numpy `(sources, targets)` in [-1, 1].

        Args:
            num_images: How many pairs (fewer if the split is smaller).
            split: `"test"` or `"train"`.
        """
        num_images = validation.check_positive_int("num_images", num_images)
        sources, targets = data.load_pair_arrays(self.default_dataset, split, limit=num_images)
        return fit_to_shape(sources, self.source_shape), fit_to_shape(targets, self.image_shape)

    # Sampling --------------------------------------------------------------------

    def translate(self, images, batch_size=256, training=False):
        """Translates source images with the generator (the averaged one when
        `ema_decay` is set).

        Args:
            images: Sources `[n, *source_shape]`: floats in [-1, 1], or uint8.
            batch_size: Images per generator call.
            training: Run dropout and batch norm in training mode.

        Returns:
            numpy array, float32 in [-1, 1], `[n, *image_shape]`.
        """
        network = self.generator if training else self.sampler
        return self._translate_with(network, images, self.source_shape, batch_size, training)

    @staticmethod
    def _translate_with(network, images, shape, batch_size, training, what="`images`"):
        """Runs `network` on `images` (uint8, or floats in [-1, 1], `[n, *shape]`) in
        batches of `batch_size`; returns float32 numpy outputs. Raises a ValueError
        naming `what` and its shape for images of another shape."""
        images = np.asarray(images)
        if images.ndim != 4 or tuple(images.shape[1:]) != tuple(shape):
            raise ValueError(f"{what} must have shape [n, {', '.join(map(str, shape))}]. "
                             f"Received: images with shape {images.shape}")
        if images.dtype == np.uint8:
            images = np.asarray(from_uint8(images))
        images = images.astype(np.float32)
        chunks = [np.asarray(network(images[start:start + batch_size], training=training))
                  for start in range(0, len(images), batch_size)]
        return np.concatenate(chunks).astype(np.float32)

    def generate(self, num_images, labels=None, seed=None, batch_size=256):
        """Refused: an image-to-image generator has no latents to draw. Raises ValueError."""
        raise ValueError(
            f"{type(self).__name__} translates images and has no latent vector to sample: "
            f"use model.translate(images). Received: num_images={num_images!r}")

    def sample_latents(self, batch_size):
        """Refused, like `generate`: there is no latent vector."""
        raise ValueError(f"{type(self).__name__} has no latent vector to sample.")

    def discriminator_inputs(self, images, sources=None):
        """Packs the discriminator's inputs: `[images, sources]`, the judged image
        (target or translation) and the source it is judged against."""
        return [images, sources]

    # Export ----------------------------------------------------------------------

    def latent_specs(self):
        """None: the generator's only input is chosen (`condition_specs`)."""
        return {}

    def condition_specs(self):
        """`images` uint8 `[None, *source_shape]`: the source images."""
        return {"images": tf.TensorSpec([None, *self.source_shape], tf.uint8, name="images")}

    def input_distributions(self):
        """Source images: uint8 images (`export.draw_inputs` draws uniform noise images
        for verification; a client sends its own)."""
        return {"images": {"distribution": "image", "low": 0, "high": 255}}

    def draw_latents(self, num_images, seed):
        """None to draw: `{}`."""
        del num_images, seed
        return {}

    def serving_examples(self, num_images, seed=0):
        """`{"images": uint8 sources}` of `example_pairs` (`seed` is unused)."""
        del seed
        sources, _ = self.example_pairs(num_images)
        return {"images": np.asarray(to_uint8(sources))}

    def generate_from(self, inputs, training=False):
        """Runs the generator on serving inputs `{"images": uint8 or float sources}`;
        returns float images in [-1, 1]."""
        images = inputs["images"]
        if tf.as_dtype(images.dtype) == tf.uint8:
            images = from_uint8(images)
        return self.sampler(images, training=training)

    def export_endpoints(self):
        """`serving_default`: `images` uint8 `[None, *source_shape]` to `images` uint8
        `[None, *image_shape]`, the generator in inference mode."""

        def serve(images):
            images = tf.ensure_shape(images, [None, *self.source_shape], name="images")
            return {"images": to_uint8(self.sampler(from_uint8(images), training=False))}

        return {"serving_default": (serve, list(self.condition_specs().values()))}

    def get_config(self):
        return {**super().get_config(), "source_shape": list(self.source_shape)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("source_shape") is not None:
            config["source_shape"] = tuple(config["source_shape"])
        return super().from_config(config)


# DiffAugment wrapping ------------------------------------------------------------------

_CORE_NAME = "core_discriminator"


def _find_layer(network, layer_type):
    return any(isinstance(layer, layer_type) for layer in network.layers)


def _with_diffaugment(discriminator, policy):
    """`discriminator` behind a `DiffAugment` layer on its image input.

    A functional wrapper with the same inputs and outputs, so every variant's train
    step, penalty and loss works unchanged: the augmentation is active only with
    `training=True`, is differentiable (the generator's gradient flows through it),
    and is applied alike to real and generated images, as Zhao et al. 2020 require.
    """
    inputs = [keras.Input(shape=tensor.shape[1:], dtype=tensor.dtype, name=tensor.name)
              for tensor in discriminator.inputs]
    augmented = kerasgan_layers.DiffAugment(policy, name="diffaugment")(inputs[0])
    core = keras.Model(discriminator.inputs, discriminator.outputs, name=_CORE_NAME)
    outputs = core([augmented, *inputs[1:]] if len(inputs) > 1 else augmented)
    return keras.Model(inputs if len(inputs) > 1 else inputs[0], outputs,
                       name=discriminator.name)


def _unique_weights(networks):
    """The trainable weights of `networks`, each once, in order."""
    seen, weights = set(), []
    for network in networks:
        for weight in network.trainable_weights:
            if id(weight) not in seen:
                seen.add(id(weight))
                weights.append(weight)
    return weights


def _refuse_without_discriminator(variant, **options):
    """Raises for training tricks that act on a discriminator the model lacks."""
    for key, value in options.items():
        if value:
            raise ValueError(f"{variant} has no discriminator, so `{key}` does not apply. "
                             f"Received: {key}={value!r}")
