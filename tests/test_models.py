"""One parametrized test suite over every registered model (timm's test_models.py shape)."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgan
from conftest import LATENT_DIM, fixed_dataset, input_kind, tiny_model, training_arrays

MODELS = kerasgan.list_models()


def _fit(model, digits_batches, steps=2):
    return model.fit(fixed_dataset(*training_arrays(model, digits_batches)), epochs=1,
                     steps_per_epoch=steps, verbose=0)


@pytest.mark.parametrize("name", MODELS)
def test_builds_with_named_inputs_and_image_output(name):
    model = tiny_model(name)
    kind = input_kind(model)
    assert model.built
    generator_inputs = [t.name for t in model.generator.inputs]
    if kind.name == "images":
        # Image-to-image generators take source images and no latents.
        assert generator_inputs == ["images"] and model.latent_dim is None
        assert model.generator.input_shape == (None, *model.source_shape)
    else:
        assert generator_inputs[0] == "z"
        # Class-conditional generators take the label; text2image's takes the embedding
        # of the label's caption (its `generator_inputs` makes it from labels).
        condition = "text_embedding" if model.text_input else "label"
        assert (condition in generator_inputs) == (model.num_classes is not None)
    if kind.generate_error(model) == "translate":
        with pytest.raises(ValueError, match="translate"):
            model.generate(5, seed=3)
    shape = kind.output_shape(model)
    assert model.generator.output_shape == (None, *shape)
    # The first discriminator output scores the batch: one logit per image, or K class
    # logits (CatGAN); further outputs are auxiliary heads (ACGAN classes, InfoGAN's Q).
    # LapGAN's discriminator scores each pyramid level; the VAE has none. pix2pix's
    # PatchGAN scores every patch: logits [batch, h, w, 1]; SRGAN's D one per image.
    if model.discriminator is not None:
        outputs = model.discriminator.output_shape
        first = outputs[0] if isinstance(outputs, list) else outputs
        assert len(first) in kind.discriminator_ranks and first[0] is None
        assert first[-1] == 1 if kind.name == "images" else first[-1] >= 1
    images = kind.samples(model, 5, seed=3)
    assert images.shape == (5, *shape) and images.dtype == np.float32
    assert np.all(np.abs(images) <= 1.0)
    np.testing.assert_array_equal(images, kind.samples(model, 5, seed=3))
    assert not np.array_equal(images, kind.samples(model, 5, seed=4))


@pytest.mark.parametrize("name", MODELS)
def test_fit_updates_every_weight_and_a_keras_file_resumes_it(name, digits_batches, tmp_path):
    model = tiny_model(name)
    model.compile()
    players = model.player_networks()
    assert players["generator"][0] is model.generator
    assert ("discriminator" in players) == (model.discriminator is not None)
    optimizers = {"discriminator": model.d_optimizer, "generator": model.g_optimizer}
    before = {player: [w.numpy().copy() for w in model.player_weights(player)]
              for player in players}
    # Three epochs of one step: one traced train step serves this test and the losses'.
    history = model.fit(fixed_dataset(*training_arrays(model, digits_batches)), epochs=3,
                        steps_per_epoch=1, verbose=0)

    def ids(variables):
        return {id(v) for v in variables}

    # Each optimizer owns exactly its player's weights (every network it trains; ProGAN's
    # include the blocks of resolutions not grown yet)...
    for player, networks in players.items():
        owned = ids(model.player_weights(player))
        active = [w for network in networks for w in network.trainable_weights]
        assert ids(optimizers[player]._trainable_variables) == owned, player
        assert ids(active) <= owned, player
        # ...and after three Adam steps every weight in use moved: none of them is cut
        # off from its player's loss.
        previous = dict(zip([id(w) for w in model.player_weights(player)], before[player]))
        for weight in active:
            assert not np.array_equal(previous[id(weight)], weight.numpy()), \
                f"{player} weight {weight.path} got no gradient"
        assert int(optimizers[player].iterations) >= 1
    if "discriminator" not in players:
        assert model.d_optimizer is None
    for key in model.metric_names:
        assert np.all(np.isfinite(history.history[key])), key
    # The losses are finite and move: every model's first two metrics are its two main
    # losses (d_loss and g_loss; the VAE's reconstruction and KL terms).
    for key in model.metric_names[:2]:
        values = history.history[key]
        assert len(set(np.round(values, 6))) > 1, f"{key} did not move: {values}"

    # The trained model round-trips through a .keras file, optimizer state included,
    # and trains on (one fit and trace serve both checks).
    path = str(tmp_path / f"{name}.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    inputs = input_kind(model).generator_inputs(model, 3)
    np.testing.assert_allclose(model.generator(inputs), loaded.generator(inputs), atol=1e-6)
    # Variants with n_critic > 1 (WGAN) take several critic steps per generator step.
    if model.d_optimizer is not None:
        assert int(loaded.d_optimizer.iterations) == int(model.d_optimizer.iterations) >= 3
    assert int(loaded.g_optimizer.iterations) == int(model.g_optimizer.iterations) == 3
    for original, restored in zip(model.g_optimizer.variables, loaded.g_optimizer.variables):
        np.testing.assert_allclose(original.numpy(), restored.numpy(), atol=1e-7)
    if input_kind(model).name == "latents":
        # The training noise stream resumes where it stopped (the file holds noise_seed's
        # state): the loaded model's next draw is the trained model's next draw.
        np.testing.assert_array_equal(loaded.sample_latents(4), model.sample_latents(4))
    _fit(loaded, digits_batches, steps=1)
    assert int(loaded.g_optimizer.iterations) == 4


@pytest.mark.parametrize("name", MODELS)
def test_training_noise_differs_per_step_and_resumes_from_saved_state(name):
    model = tiny_model(name)
    if input_kind(model).name == "images":
        # No latents: the noise, if any, is the generator's dropout (pix2pix), on in
        # training only; SRGAN's generator has none.
        sources = input_kind(model).generator_inputs(model, 4)
        with pytest.raises(ValueError, match="no latent"):
            model.sample_latents(4)
        if any(isinstance(layer, keras.layers.Dropout) for layer in model.generator.layers):
            assert not np.allclose(model.generator(sources, training=True),
                                   model.generator(sources, training=True))
        np.testing.assert_array_equal(model.translate(sources), model.translate(sources))
        return
    first, second = model.sample_latents(4), model.sample_latents(4)
    assert first.shape == (4, LATENT_DIM)
    assert not np.allclose(first, second)
    again = tiny_model(name)  # same seed: same stream
    np.testing.assert_array_equal(first, again.sample_latents(4))


@pytest.mark.parametrize("name", MODELS)
def test_export_saved_model_and_litert_agree(name, tmp_path):
    model = tiny_model(name)
    # float32 and int8 (the float16 file is float32's graph with half-precision weights;
    # tests/test_export.py covers it): the int8 converter is the one that fails on
    # some graphs, which this checks per model.
    paths = kerasgan.export.export_generator(model, tmp_path / name, latency_runs=0,
                                             formats=("float32", "int8"), verbose=False)
    assert paths["verification"]["ok"], paths["verification"]["problems"]
    assert os.path.isfile(os.path.join(paths["saved_model"], "saved_model.pb"))
    # Image-to-image models have no int8 file, for the reason their card gives. (text2image's
    # files hold its token signature, keyed `generate_from_tokens_<format>`.)
    int8_files = [key for key in paths if key == "int8" or key.endswith("_int8")]
    assert bool(int8_files) == (model.int8_skip_reason is None)
    inputs = kerasgan.export.example_inputs(model, batch_size=3)
    result = kerasgan.export.compare_exports(paths, inputs)
    assert result["saved_model"].dtype == np.uint8
    assert result["saved_model"].shape == (3, *model.image_shape)
    assert result["max_abs_diff"] <= 2
    # The SavedModel's images are the generator's, mapped to uint8.
    expected = kerasgan.images.to_uint8(model.generate_from(inputs)).numpy()
    assert np.max(np.abs(expected.astype(int) - result["saved_model"].astype(int))) <= 1
    signatures = tf.saved_model.load(paths["saved_model"]).signatures
    specs = signatures["serving_default"].structured_input_signature[1]
    expected_specs = {**model.latent_specs(), **model.condition_specs()}
    assert set(specs) == set(expected_specs)
    for key, spec in expected_specs.items():
        assert specs[key].dtype == spec.dtype and specs[key].shape == spec.shape
    if input_kind(model).name == "images":
        # Source images in, no `sample` signature (nothing to draw).
        assert specs["images"].dtype == tf.uint8
        assert specs["images"].shape.as_list() == [None, *model.source_shape]
        assert "sample" not in signatures
        return
    assert specs["z"].dtype == tf.float32 and specs["z"].shape.as_list() == [None, LATENT_DIM]
    if "label" in expected_specs:
        assert specs["label"].dtype == tf.int32 and specs["label"].shape.as_list() == [None]
    if model.encoder_name:
        # The `encode` signature and its own .tflite map uint8 images to the encoder's z.
        images = result["saved_model"]
        encoded = kerasgan.export.run_saved_model(paths["saved_model"], {"images": images},
                                                  "encode")["z"]
        expected_z = np.asarray(model.encode(kerasgan.images.from_uint8(images)))
        np.testing.assert_allclose(encoded, expected_z, atol=1e-4)
        lite = kerasgan.export.run_tflite(paths["encode_float32"], {"images": images},
                                          "encode")["z"]
        np.testing.assert_allclose(lite, encoded, atol=1e-3 * max(1.0, np.abs(encoded).max()))
    # `sample` draws the same latents as `generate` for the same seed.
    sample_inputs = {"num_images": np.int32(3), "seed": np.int32(5)}
    if "label" in expected_specs:
        sample_inputs["label"] = np.array([2], np.int32)
    if "text" in expected_specs:  # text2image: the caption label 2 stands for
        sample_inputs["text"] = np.array([model.label_caption(2)], object)
    sampled = kerasgan.export.run_saved_model(paths["saved_model"], sample_inputs, "sample")
    generated = model.generate(3, labels=2 if model.num_classes else None, seed=5)
    np.testing.assert_allclose(sampled["images_float"], generated, atol=1e-5)


# Under a strategy, what differs between models is their train step: each model whose
# class defines its own `train_step` runs, and of the models sharing the k-critic-steps
# step (CriticStepsModel) those whose options change what runs per replica: labels (cgan),
# several critic steps with weight clipping (wgan), a penalty drawing per-replica noise
# (wgan_gp). The others (gan, dcgan, lsgan, sngan, dragan) differ only in their
# networks and loss functions, which the tests above run.
MIRRORED_REPRESENTATIVES = ("cgan", "wgan", "wgan_gp")


def _train_step_owner(model):
    return next(c for c in type(model).__mro__ if "train_step" in c.__dict__)


@pytest.fixture(scope="session")
def represented_train_steps():
    """The classes whose `train_step` a model of `MIRRORED_REPRESENTATIVES` runs."""
    return {_train_step_owner(tiny_model(name)) for name in MIRRORED_REPRESENTATIVES
            if name in MODELS}


@pytest.mark.parametrize("name", MODELS)
def test_fit_under_mirrored_strategy_on_two_devices(name, digits_batches, mirrored,
                                                     represented_train_steps):
    strategy = mirrored
    with strategy.scope():
        model = tiny_model(name)
        owner = _train_step_owner(model)
        if name not in MIRRORED_REPRESENTATIVES and owner in represented_train_steps:
            pytest.skip(f"{owner.__name__}.train_step runs under the strategy with "
                        f"{', '.join(MIRRORED_REPRESENTATIVES)}")
        model.compile()
    history = _fit(model, digits_batches, steps=2)
    assert np.isfinite(history.history[model.metric_names[0]][-1])
    assert int(model.g_optimizer.iterations.numpy()) == 2


@pytest.mark.parametrize("name", MODELS)
def test_conditional_models_check_labels(name):
    model = tiny_model(name)
    error = input_kind(model).generate_error(model)
    if error:  # unconditional, or image-to-image: no labels to give
        with pytest.raises(ValueError, match=error):
            model.generate(2, labels=[0, 1])
        return
    with pytest.raises(ValueError, match=r"\[0, 10\).*12"):
        model.generate(2, labels=[1, 12])
    with pytest.raises(ValueError, match="labels"):
        model.generate(3, labels=[1, 2])
    np.testing.assert_array_equal(model.generate(2, labels=7, seed=1), model.generate(2, labels=[7, 7], seed=1))
