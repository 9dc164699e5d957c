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

Derived from zoo/aae_digits.py, the recipe measured on the embedded data: its
config at this dataset's scale (`training.derive_recipe`), and its smoke run on
this dataset.

Reference: Makhzani et al. 2015, https://arxiv.org/abs/1511.05644
"""

import os

from kerasgan import training

BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "aae_digits.py")


def get_config(smoke=False):
    """The base recipe's config at this dataset's scale (`smoke`: a seconds-long run)."""
    scale = {} if smoke else {
        "epochs": 20,
        "model_kwargs": {"latent_dim": 64, "base_filters": 64,
                         "discriminator_units": [1000, 1000]}}
    return training.derive_recipe(BASE, "aae_celeb_a", smoke, dataset="celeb_a",
                                  image_size=64, **scale)
