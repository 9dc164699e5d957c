"""One parametrized test suite over every registered model (timm's test_models.py shape)."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgan
from conftest import LATENT_DIM, fixed_dataset, tiny_model

MODELS = kerasgan.list_models()


def _fit(model, images, labels, steps=2):
    return model.fit(fixed_dataset(images, labels), epochs=1, steps_per_epoch=steps, verbose=0)


@pytest.mark.parametrize("name", MODELS)
def test_builds_with_named_inputs_and_image_output(name):
    model = tiny_model(name)
    assert model.built
    generator_inputs = [t.name for t in model.generator.inputs]
    assert generator_inputs[0] == "z"
    assert ("label" in generator_inputs) == (model.num_classes is not None)
    assert model.generator.output_shape == (None, 32, 32, 1)
    # The first discriminator output scores the batch: one logit per image, or K class
    # logits (CatGAN); further outputs are auxiliary heads (ACGAN classes, InfoGAN's Q).
    outputs = model.discriminator.output_shape
    first = outputs[0] if isinstance(outputs, list) else outputs
    assert len(first) == 2 and first[0] is None and first[1] >= 1
    images = model.generate(5, seed=3)
    assert images.shape == (5, 32, 32, 1) and images.dtype == np.float32
    assert np.all(np.abs(images) <= 1.0)
    np.testing.assert_array_equal(images, model.generate(5, seed=3))
    assert not np.array_equal(images, model.generate(5, seed=4))


@pytest.mark.parametrize("name", MODELS)
def test_fit_updates_every_weight_of_each_player_from_its_own_optimizer(name, digits_batches):
    model = tiny_model(name)
    model.compile()
    before_g = [w.numpy().copy() for w in model.generator.trainable_weights]
    before_d = [w.numpy().copy() for w in model.discriminator.trainable_weights]
    history = _fit(model, *digits_batches, steps=1)

    # Each optimizer owns exactly its player's weights...
    def ids(variables):
        return {id(v) for v in variables}

    assert ids(model.d_optimizer._trainable_variables) == ids(model.discriminator.trainable_weights)
    assert ids(model.g_optimizer._trainable_variables) == ids(model.generator.trainable_weights)
    # ...and after one Adam step every weight moved, so every gradient was non-zero.
    for before, weight in zip(before_g, model.generator.trainable_weights):
        assert not np.array_equal(before, weight.numpy()), f"generator weight {weight.path} got no gradient"
    for before, weight in zip(before_d, model.discriminator.trainable_weights):
        assert not np.array_equal(before, weight.numpy()), f"discriminator weight {weight.path} got no gradient"
    assert int(model.d_optimizer.iterations) >= 1 and int(model.g_optimizer.iterations) >= 1
    for key in model.metric_names:
        assert np.isfinite(history.history[key][-1]), key


@pytest.mark.parametrize("name", MODELS)
def test_losses_are_finite_and_move(name, digits_batches):
    model = tiny_model(name)
    model.compile()
    history = model.fit(fixed_dataset(*digits_batches), epochs=3, steps_per_epoch=2, verbose=0)
    d_losses, g_losses = history.history["d_loss"], history.history["g_loss"]
    assert np.all(np.isfinite(d_losses)) and np.all(np.isfinite(g_losses))
    assert len(set(np.round(d_losses, 6))) > 1 and len(set(np.round(g_losses, 6))) > 1


@pytest.mark.parametrize("name", MODELS)
def test_training_noise_differs_per_step_and_resumes_from_saved_state(name):
    model = tiny_model(name)
    first, second = model.sample_latents(4), model.sample_latents(4)
    assert first.shape == (4, LATENT_DIM)
    assert not np.allclose(first, second)
    again = tiny_model(name)  # same seed: same stream
    np.testing.assert_array_equal(first, again.sample_latents(4))


@pytest.mark.parametrize("name", MODELS)
def test_export_saved_model_and_litert_agree(name, tmp_path):
    model = tiny_model(name)
    paths = kerasgan.export.export_generator(model, tmp_path / name, latency_runs=0,
                                             verbose=False)
    assert paths["verification"]["ok"], paths["verification"]["problems"]
    assert os.path.isfile(os.path.join(paths["saved_model"], "saved_model.pb"))
    inputs = kerasgan.export.example_inputs(model, batch_size=3)
    result = kerasgan.export.compare_exports(paths, inputs)
    assert result["saved_model"].dtype == np.uint8
    assert result["saved_model"].shape == (3, 32, 32, 1)
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
    assert specs["z"].dtype == tf.float32 and specs["z"].shape.as_list() == [None, LATENT_DIM]
    if model.num_classes:
        assert specs["label"].dtype == tf.int32 and specs["label"].shape.as_list() == [None]
    # `sample` draws the same latents as `generate` for the same seed.
    sample_inputs = {"num_images": np.int32(3), "seed": np.int32(5)}
    if model.num_classes:
        sample_inputs["label"] = np.array([2], np.int32)
    sampled = kerasgan.export.run_saved_model(paths["saved_model"], sample_inputs, "sample")
    generated = model.generate(3, labels=2 if model.num_classes else None, seed=5)
    np.testing.assert_allclose(sampled["images_float"], generated, atol=1e-5)


@pytest.mark.parametrize("name", MODELS)
def test_keras_save_load_round_trip_keeps_weights_and_optimizer_state(name, tmp_path, digits_batches):
    model = tiny_model(name)
    model.compile()
    _fit(model, *digits_batches, steps=2)
    path = str(tmp_path / f"{name}.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    z = np.random.default_rng(0).standard_normal((3, LATENT_DIM)).astype(np.float32)
    labels = np.array([0, 1, 2], np.int32)
    np.testing.assert_allclose(
        model.generator(model.generator_inputs(z, labels)),
        loaded.generator(loaded.generator_inputs(z, labels)),
        atol=1e-6,
    )
    # Variants with n_critic > 1 (WGAN) take several critic steps per generator step.
    assert int(loaded.d_optimizer.iterations) == int(model.d_optimizer.iterations) >= 2
    assert int(loaded.g_optimizer.iterations) == int(model.g_optimizer.iterations) == 2
    for original, restored in zip(model.g_optimizer.variables, loaded.g_optimizer.variables):
        np.testing.assert_allclose(original.numpy(), restored.numpy(), atol=1e-7)
    _fit(loaded, *digits_batches, steps=1)
    assert int(loaded.g_optimizer.iterations) == 3


@pytest.mark.parametrize("name", MODELS)
def test_fit_under_mirrored_strategy_on_two_devices(name, digits_batches, mirrored):
    strategy = mirrored
    with strategy.scope():
        model = tiny_model(name)
        model.compile()
    history = _fit(model, *digits_batches, steps=2)
    assert np.isfinite(history.history["d_loss"][-1])
    assert int(model.g_optimizer.iterations.numpy()) == 2


@pytest.mark.parametrize("name", MODELS)
def test_conditional_models_check_labels(name):
    model = tiny_model(name)
    if model.num_classes is None:
        with pytest.raises(ValueError, match="unconditional"):
            model.generate(2, labels=[0, 1])
        return
    with pytest.raises(ValueError, match=r"\[0, 10\).*12"):
        model.generate(2, labels=[1, 12])
    with pytest.raises(ValueError, match="labels"):
        model.generate(3, labels=[1, 2])
    np.testing.assert_array_equal(model.generate(2, labels=7, seed=1), model.generate(2, labels=[7, 7], seed=1))
