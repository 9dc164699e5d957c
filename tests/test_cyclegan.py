"""CycleGAN (Zhu et al. 2017): the loss terms by hand, who trains which network, the pools
of past translations, both export directions, the grid, the cycle metrics and the
argument checks.

Models are test-sized (`base_filters=4`, one residual block, batches of 8, one or two
eager steps)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasgan
from kerasgan import callbacks, evaluation, export, training
from kerasgan.images import from_uint8, to_uint8


def tiny(**overrides):
    return kerasgan.create_model("cyclegan", **{"base_filters": 4, "num_residual_blocks": 1,
                                                "seed": 0, **overrides})


@pytest.fixture(scope="module")
def domains():
    """Eight digits (domain A) and eight other, thickened digits (domain B), float32."""
    return kerasgan.evaluation.example_pairs(tiny(), 8, split="train")


class _Identity:
    """A stand-in translator that returns its input in both directions."""

    name = "identity"
    cycle_consistent = True

    def translate(self, images, **kwargs):
        return np.asarray(images, np.float32)


def _batch(domains):
    return tf.constant(domains[0]), tf.constant(domains[1])


def _least_squares(outputs, target):
    return float(np.mean((np.asarray(outputs, np.float64) - target) ** 2))


def _l1(x, y):
    return float(np.mean(np.abs(np.asarray(x, np.float64) - np.asarray(y, np.float64))))


@pytest.mark.parametrize("identity_weight", [0.5, 0.0])
def test_logged_losses_equal_the_papers_terms_computed_by_hand(domains, identity_weight):
    model = tiny(identity_weight=identity_weight)
    model.compile()
    a, b = domains
    G, F, D_B, D_A = (model.generator, model.generator_ba, model.discriminator,
                      model.discriminator_a)
    fake_b, fake_a = G(a), F(b)
    gan = _least_squares(D_B(fake_b), 1.0) + _least_squares(D_A(fake_a), 1.0)
    cycle = _l1(F(fake_b), a) + _l1(G(fake_a), b)
    identity = _l1(G(b), b) + _l1(F(a), a) if identity_weight else 0.0
    # D's objective is halved; the pools are empty at the first step, so D sees G(a), F(b).
    d_loss = 0.5 * (_least_squares(D_B(b), 1.0) + _least_squares(D_B(fake_b), 0.0)
                    + _least_squares(D_A(a), 1.0) + _least_squares(D_A(fake_a), 0.0))

    logs = {key: float(value) for key, value in model.train_step(_batch(domains)).items()}
    assert logs["gan_loss"] == pytest.approx(gan, rel=1e-4)
    assert logs["cycle_loss"] == pytest.approx(cycle, rel=1e-4)
    assert logs["identity_loss"] == pytest.approx(identity, rel=1e-4, abs=1e-7)
    # lambda = 10 on the cycle term, identity_weight * lambda on the identity term.
    assert logs["g_loss"] == pytest.approx(
        gan + 10.0 * cycle + identity_weight * 10.0 * identity, rel=1e-4)
    assert logs["d_loss"] == pytest.approx(d_loss, rel=1e-4)


def test_each_optimizer_trains_its_two_networks_and_every_weight_gets_a_gradient(domains):
    model = tiny()
    generators, discriminators = (model.player_networks()[key]
                                  for key in ("generator", "discriminator"))
    assert generators == [model.generator, model.generator_ba]
    assert discriminators == [model.discriminator, model.discriminator_a]

    def moved(networks, before):
        return [not np.array_equal(old, new.numpy()) for network, weights in
                zip(networks, before) for old, new in zip(weights, network.trainable_weights)]

    for frozen in ("discriminator", "generator"):
        model = tiny()
        # A zero learning rate freezes one player: only the other player's networks move,
        # and every one of their weights does (Adam moves any weight with a gradient).
        rates = {"discriminator": 2e-4, "generator": 2e-4, frozen: 0.0}
        model.compile(d_optimizer=keras.optimizers.Adam(rates["discriminator"]),
                      g_optimizer=keras.optimizers.Adam(rates["generator"]))
        players = model.player_networks()
        assert {id(v) for v in model.g_optimizer._trainable_variables} == {
            id(w) for n in players["generator"] for w in n.trainable_weights}
        assert {id(v) for v in model.d_optimizer._trainable_variables} == {
            id(w) for n in players["discriminator"] for w in n.trainable_weights}
        before = {player: [[w.numpy().copy() for w in n.trainable_weights] for n in networks]
                  for player, networks in players.items()}
        model.train_step(_batch(domains))
        for player, networks in players.items():
            changes = moved(networks, before[player])
            assert all(changes) if player != frozen else not any(changes), player


def test_pools_return_past_translations_about_half_the_time(domains):
    model = tiny(pool_size=16)
    first = np.asarray(model.generator(domains[0]))
    out = np.asarray(model.pool(tf.constant(first), "b"))
    np.testing.assert_array_equal(out, first)  # nothing stored yet: nothing replayed
    assert int(model.pool_b.count.numpy()) == 8 and int(model.pool_a.count.numpy()) == 0
    second = -first
    out = np.asarray(model.pool(tf.constant(second), "b"))
    from_pool = [any(np.array_equal(row, past) for past in first) for row in out]
    for row, pooled, new in zip(out, from_pool, second):
        assert pooled or np.array_equal(row, new)  # every row is new or from the pool
    assert 0 < sum(from_pool) < 8, from_pool
    # Batches of one still replay (each image swapped with probability 1/2), where a
    # fixed half of the batch would round to no image at all.
    replayed = []
    for step in range(20):
        image = np.full((1, 32, 32, 1), 0.01 * step, np.float32)  # unlike any before
        replayed.append(not np.array_equal(np.asarray(model.pool(tf.constant(image), "b")),
                                           image))
    assert 3 < sum(replayed) < 17, replayed
    # A train step feeds both pools; pool_size=0 turns them off.
    model.compile()
    model.train_step(_batch(domains))
    assert int(model.pool_a.count.numpy()) == 8
    without = tiny(pool_size=0)
    assert without.pool_a is None and without.pool_b is None
    assert without.pool(tf.constant(first), "a") is not None


def test_export_serves_both_directions_and_litert_agrees_with_translate(tmp_path, domains):
    model = tiny()
    # float32 files only, for time: tests/test_export.py covers the float16 flavour.
    paths = export.export_generator(model, tmp_path / "cyc", formats=("float32",),
                                    latency_runs=0, verbose=False)
    assert paths["verification"]["ok"], paths["verification"]["problems"]
    assert "int8" not in paths
    card = export.load_model_card(tmp_path / "cyc")
    signatures = card["saved_model"]["signatures"]
    assert {"serving_default", "a_to_b", "b_to_a"} <= set(signatures)
    for key in ("serving_default", "a_to_b", "b_to_a"):
        assert signatures[key]["inputs"] == {"images": {"dtype": "uint8",
                                                         "shape": [None, 32, 32, 1]}}
        assert signatures[key]["outputs"] == {"images": {"dtype": "uint8",
                                                          "shape": [None, 32, 32, 1]}}
    # The card says which file translates which way.
    assert card["tflite"]["cyc.tflite"]["signature"] == "serving_default"
    assert "domain A images to domain B" in card["tflite"]["cyc.tflite"]["description"]
    assert card["tflite"]["cyc.b_to_a.tflite"]["signature"] == "b_to_a"
    assert "domain B images to domain A" in card["tflite"]["cyc.b_to_a.tflite"]["description"]

    images = {"a_to_b": np.asarray(to_uint8(domains[0][:4])),
              "b_to_a": np.asarray(to_uint8(domains[1][:4]))}
    lite = {"a_to_b": (paths["float32"], "serving_default"),
            "b_to_a": (paths["b_to_a_float32"], "b_to_a")}
    for direction, inputs in images.items():
        expected = np.asarray(to_uint8(model.translate(from_uint8(inputs),
                                                       direction=direction))).astype(int)
        saved = export.run_saved_model(paths["saved_model"], {"images": inputs}, direction)
        assert saved["images"].dtype == np.uint8
        assert np.max(np.abs(saved["images"].astype(int) - expected)) <= 1, direction
        path, signature = lite[direction]
        out = export.run_tflite(path, {"images": inputs}, signature)["images"]
        assert np.max(np.abs(out.astype(int) - expected)) <= 2, path
    default = export.run_saved_model(paths["saved_model"], {"images": images["a_to_b"]})
    again = export.run_saved_model(paths["saved_model"], {"images": images["a_to_b"]},
                                   "a_to_b")
    np.testing.assert_array_equal(default["images"], again["images"])
    # The two directions are different networks.
    assert not np.array_equal(model.translate(domains[0]),
                              model.translate(domains[0], direction="b_to_a"))

    # The export, read from its files alone, measures like the model (evaluate.py's path).
    for fmt in ("saved_model", "float32"):
        translator = export.ExportedTranslator(tmp_path / "cyc", format=fmt)
        assert translator.cycle_consistent
        exported = evaluation.cycle_metrics(translator, *domains, features=None)
        expected = evaluation.cycle_metrics(model, *domains, features=None)
        for key in ("cycle_l1_a", "cycle_l1_b"):
            assert abs(exported[key] - expected[key]) < 0.02, (fmt, key)


def test_save_load_keeps_both_generators_pools_and_averages(tmp_path, domains):
    model = tiny(ema_decay=0.5, historical_averaging=0.1)
    assert set(model.historical_averages) == set(model.network_names)
    model.compile()
    for _ in range(2):
        model.train_step(_batch(domains))
    assert int(model.generator_ba_ema.updates.numpy()) == 2  # F's average follows F
    assert model.sampler_ba is model.generator_ba_ema
    path = str(tmp_path / "cyc.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    for direction, images in (("a_to_b", domains[0]), ("b_to_a", domains[1])):
        np.testing.assert_allclose(loaded.translate(images, direction=direction),
                                   model.translate(images, direction=direction), atol=1e-6)
    np.testing.assert_array_equal(loaded.pool_a.images.numpy(), model.pool_a.images.numpy())
    assert int(loaded.pool_b.count.numpy()) == 16
    assert int(loaded.d_optimizer.iterations) == int(model.d_optimizer.iterations) == 2


def test_grid_shows_inputs_translations_and_reconstructions_of_both_domains(domains):
    model = tiny()
    a, b = domains[0][:2], domains[1][:3]
    grid = callbacks.translation_triplets(model, a, b)
    assert grid.shape == (15, 32, 32, 1)
    fake_b = model.translate(a)
    fake_a = model.translate(b, direction="b_to_a")
    expected = [a[0], fake_b[0], model.translate(fake_b, direction="b_to_a")[0],
                b[0], fake_a[0], model.translate(fake_a)[0]]
    for index, image in zip((0, 1, 2, 6, 7, 8), expected):
        np.testing.assert_allclose(grid[index], image, atol=1e-6)


def test_cycle_metrics_measure_both_reconstructions_and_label_agreement(domains):
    model = tiny()
    a, b = domains
    metrics = evaluation.cycle_metrics(model, a, b)
    reconstructed_a = model.translate(model.translate(a), direction="b_to_a")
    assert metrics["cycle_l1_a"] == pytest.approx(_l1(reconstructed_a, a), rel=1e-5)
    assert metrics["cycle_l1"] == pytest.approx(
        (metrics["cycle_l1_a"] + metrics["cycle_l1_b"]) / 2)
    assert metrics["num_a"] == metrics["num_b"] == 8
    assert 0.0 <= metrics["label_agreement_a_to_b"] <= 1.0
    # A translation that keeps every image reconstructs exactly and keeps every label.
    perfect = evaluation.cycle_metrics(_Identity(), a, b)
    assert perfect["cycle_l1"] == 0.0 and perfect["label_agreement_b_to_a"] == 1.0
    pixels = lambda x: np.reshape(x, (len(x), -1))  # noqa: E731
    assert "label_agreement_a_to_b" not in evaluation.cycle_metrics(model, a, b,
                                                                    features=pixels)
    with pytest.raises(ValueError, match="cycle-consistent"):
        evaluation.cycle_metrics(kerasgan.create_model("pix2pix", base_filters=4), a, b)


@pytest.mark.parametrize("kwargs, message", [
    ({"cycle_weight": -1.0}, "cycle_weight=-1.0"),
    ({"identity_weight": float("nan")}, "identity_weight=nan"),
    ({"pool_size": -1}, "pool_size=-1"),
    ({"num_residual_blocks": 0}, "num_residual_blocks=0"),
    ({"image_shape": (30, 30, 1)}, r"image_shape=\(30, 30, 1\)"),
    ({"patch_layers": 6}, "patch_layers=6"),
    ({"source_shape": (64, 64, 1)}, r"source_shape=\(64, 64, 1\)"),
    ({"source_shape": (32, 32, 3)}, "identity_weight=0.5"),
    ({"replay_buffer_size": 8}, "pool_size.*replay_buffer_size=8"),
    ({"diffaugment": "translation"}, "diffaugment='translation'"),
])
def test_bad_arguments_raise_naming_the_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        tiny(**kwargs)


def test_bad_batches_and_translations_name_what_is_wrong(domains):
    model = tiny()
    a, b = domains
    with pytest.raises(ValueError, match=r"domain A .*\(32, 32, 1\).*\(16, 16, 1\)"):
        model.train_step((tf.constant(a[:, :16, :16]), tf.constant(b)))
    with pytest.raises(ValueError, match=r"domain B .*\(32, 32, 3\)"):
        model.train_step((tf.constant(a), tf.constant(np.repeat(b, 3, axis=-1))))
    with pytest.raises(ValueError, match="images_a, images_b"):
        model.train_step(tf.constant(a))
    with pytest.raises(ValueError, match="direction='a_to_c'"):
        model.translate(a, direction="a_to_c")
    with pytest.raises(ValueError, match=r"b_to_a.*\[n, 32, 32, 1\].*\(8, 16, 16, 1\)"):
        model.translate(a[:, :16, :16], direction="b_to_a")
    with pytest.raises(ValueError, match=r"\[n, 32, 32, 1\].*\(8, 32, 32, 3\)"):
        model.translate(np.repeat(a, 3, axis=-1))
    np.testing.assert_allclose(model.translate(np.asarray(to_uint8(b)), direction="b_to_a"),
                               model.translate(b, direction="b_to_a"), atol=1e-2)


def test_domains_may_differ_in_channels_without_the_identity_loss(domains):
    model = tiny(source_shape=(32, 32, 3), identity_weight=0.0)
    a = np.repeat(domains[0], 3, axis=-1)
    model.compile()
    logs = model.train_step((tf.constant(a), tf.constant(domains[1])))
    assert float(logs["identity_loss"]) == 0.0 and np.isfinite(float(logs["g_loss"]))
    assert model.translate(a).shape == (8, 32, 32, 1)
    assert model.translate(domains[1], direction="b_to_a").shape == (8, 32, 32, 3)


def test_training_defaults_to_the_unpaired_digits_domains():
    config = training.resolve_config({"model": "cyclegan"})
    assert config["dataset"] == "digits_thick" and config["name"] == "cyclegan_digits_thick"
