"""BiGAN on CelebA faces at 64x64x3: generator, encoder and joint discriminator.

Needs the `celeb_a` tfds dataset (about 1.4 GB), downloaded into `--data_dir` on the
first run. Images are centre-cropped to squares and resized to 64x64.

Command:

    python scripts/train.py --recipe=zoo/full_data/bigan_celeb_a.py --data_dir=~/tensorflow_datasets

Settings: a 200-d latent (the paper's ImageNet setting used 200), DCGAN-shaped
generator, encoder and joint discriminator at base_filters=64 (64 to 512 channels),
Adam(2e-4, 0.5), batch 64, 25 epochs of CelebA's 162,770 training faces (about
63,600 steps). Not run here (no network on the build machine); a starting point,
not tuned. Hours on a GPU.

Derived from zoo/bigan_digits.py, the recipe measured on the embedded data: its
config at this dataset's scale (`training.derive_recipe`), and its smoke run on
this dataset.

Reference: Donahue et al. 2016, https://arxiv.org/abs/1605.09782
"""

import os

from kerasgan import training

BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "bigan_digits.py")


def get_config(smoke=False):
    """The base recipe's config at this dataset's scale (`smoke`: a seconds-long run)."""
    scale = {} if smoke else {
        "epochs": 25, "model_kwargs": {"latent_dim": 200, "base_filters": 64}}
    return training.derive_recipe(BASE, "bigan_celeb_a", smoke, dataset="celeb_a",
                                  image_size=64, **scale)
