"""Callbacks: one-sided label smoothing and TensorBoard sample grids."""

import os

import numpy as np
import pytest
import tensorflow as tf

import kerasgan
from kerasgan.callbacks import LabelSmoothing, TensorBoardImages
from conftest import fixed_dataset, image_summaries, tiny_model


def _one_step_d_loss(model, images, labels, callbacks):
    model.compile()
    history = model.fit(fixed_dataset(images, labels), epochs=1, steps_per_epoch=1, verbose=0,
                        callbacks=callbacks)
    return history.history["d_loss"][0]


@pytest.mark.parametrize("name", ["dcgan", "cgan"])
def test_label_smoothing_changes_only_the_real_half_of_the_discriminator_loss(name, digits_batches):
    images, labels = digits_batches[0][:8], digits_batches[1][:8]
    smoothing = 0.3
    plain = tiny_model(name)
    smoothed = tiny_model(name)
    smoothed.set_weights(plain.get_weights())  # same weights, same seed: same noise
    # D's logits on the real batch, as the train step computes them (training mode).
    real_logits = plain.discriminator(plain.discriminator_inputs(images, labels), training=True)

    d_plain = _one_step_d_loss(plain, images, labels, [])
    d_smooth = _one_step_d_loss(smoothed, images, labels, [LabelSmoothing(smoothing)])

    # With real target t: t*softplus(-x) + (1-t)*softplus(x) = softplus(-x) + (1-t)*x,
    # so one-sided smoothing adds exactly s * mean(real_logits). Smoothing the fake
    # targets too would add a term in the fake logits and break this equality.
    expected = smoothing * float(np.mean(real_logits))
    assert abs(expected) > 1e-4  # the check below is not vacuous
    np.testing.assert_allclose(d_smooth - d_plain, expected, rtol=1e-3, atol=1e-5)
    assert float(smoothed.label_smoothing.numpy()) == pytest.approx(smoothing)


def test_label_smoothing_schedule_assigns_the_variable_each_epoch(digits_batches):
    model = tiny_model("dcgan")
    model.compile()
    history = model.fit(fixed_dataset(*digits_batches), epochs=3, steps_per_epoch=1, verbose=0,
                        callbacks=[LabelSmoothing(schedule=lambda epoch: 0.1 * epoch)])
    np.testing.assert_allclose(history.history["label_smoothing"], [0.0, 0.1, 0.2], atol=1e-6)


@pytest.mark.parametrize("value", [1.0, -0.1, 1.5])
def test_label_smoothing_rejects_impossible_values(value):
    with pytest.raises(ValueError, match=f"smoothing={value}"):
        LabelSmoothing(value)


@pytest.mark.parametrize("name", ["dcgan", "cgan"])
def test_tensorboard_images_writes_grids_from_fixed_latents(name, tmp_path, digits_batches):
    model = tiny_model(name)
    model.compile()
    callback = TensorBoardImages(str(tmp_path / "logs"), every_n_epochs=2, num_images=20,
                                 png_dir=str(tmp_path / "png"))
    model.fit(fixed_dataset(*digits_batches), epochs=3, steps_per_epoch=1, verbose=0,
              callbacks=[callback])

    summaries = image_summaries(str(tmp_path / "logs"))
    # Every second epoch, plus the last one.
    assert [step for step, _, _ in summaries] == [2, 3]
    assert {tag for _, tag, _ in summaries} == {"samples"}
    # Image summaries store [width, height, encoded PNG...].
    width, height = (int(v) for v in summaries[0][2][:2])
    columns = 10 if model.num_classes else 5  # one class per column for conditional models
    assert width == columns * 33 + 1 and height == (20 // columns) * 33 + 1
    pngs = sorted(os.listdir(tmp_path / "png"))
    assert pngs == ["epoch_0002.png", "epoch_0003.png"]
    decoded = tf.io.decode_png(tf.io.read_file(str(tmp_path / "png" / pngs[0]))).numpy()
    assert decoded.shape == (height, width, 1)

    # The latents stay fixed: without training in between, the grid does not change.
    np.testing.assert_array_equal(callback.samples(), callback.samples())
    again = callback.samples()
    model.generator.trainable_weights[0].assign_add(tf.ones_like(model.generator.trainable_weights[0]))
    assert not np.allclose(again, callback.samples())


def test_make_grid_places_images_in_rows():
    images = np.stack([np.full((2, 2, 1), value, np.uint8) for value in (10, 20, 30)])
    grid = kerasgan.images.make_grid(images, columns=2, padding=1)
    assert grid.shape == (7, 7, 1)
    assert grid[1, 1, 0] == 10 and grid[1, 4, 0] == 20 and grid[4, 1, 0] == 30
    assert grid[4, 4, 0] == 255  # empty slot stays white
