"""Adversarial autoencoder on CelebA faces at 64x64x3, 64-dimensional codes.

Needs the `celeb_a` tfds dataset (about 1.4 GB), downloaded into `--data_dir` on the
first run. Images are centre-cropped to squares and resized to 64x64.

Command:

    python scripts/train.py --recipe=zoo/full_data/aae_celeb_a.py --data_dir=~/tensorflow_datasets

Settings: 64-d codes (faces need more than the 8 of the digits recipe), the
convolutional encoder and decoder at base_filters=64, an MLP latent discriminator of
two 1000-unit layers (the paper's), adversarial weight 0.1, batch 64, 20 epochs
(about 50,900 steps). Not run here (no network on the build machine); a starting
point, not tuned.

Reference: Makhzani et al. 2015, https://arxiv.org/abs/1511.05644
"""


def get_config(smoke=False):
    """Returns the training config; `smoke=True` shrinks it to a seconds-long run."""
    config = {
        "model": "aae",
        "model_kwargs": {"latent_dim": 64, "base_filters": 64, "adversarial_weight": 0.1,
                         "discriminator_units": [1000, 1000]},
        "dataset": "celeb_a",
        "image_size": 64,
        "epochs": 20,
        "batch_size": 64,
        "seed": 0,
    }
    if smoke:
        config.update(epochs=1, steps_per_epoch=2, batch_size=8,
                      model_kwargs={"latent_dim": 4, "base_filters": 8,
                                    "discriminator_units": [16]})
    return config
