"""ProGAN on CelebA faces at 64x64x3: grown 4 -> 8 -> 16 -> 32 -> 64 with fade-ins.

Needs the `celeb_a` tfds dataset (about 1.4 GB), downloaded into `--data_dir` on the
first run. Images are centre-cropped to squares and resized to 64x64.

Command:

    python scripts/train.py --recipe=zoo/full_data/progan_celeb_a.py --data_dir=~/tensorflow_datasets

Paper-like settings (Karras et al. 2018, Section A.1 and Table 2): latent_dim 512,
widths 512 up to 16x16 then halving (base_filters=64: 512, 512, 256, 128, 64), 800k
real images per fade-in and per stable phase (12,500 steps of 64), Adam(1e-3, 0,
0.99), WGAN-GP with drift 0.001. 150,000 steps: 64x64 is reached at step 87,500
(fully at 100,000). Takes days on a CPU: use a GPU
(`--distribute=mirrored` for several). The paper's per-resolution batch sizes,
learning-rate ramp and averaged generator are not part of this model.

Derived from zoo/progan_digits.py, the recipe measured on the embedded data: its
config at this dataset's scale (`training.derive_recipe`), and its smoke run on
this dataset.

Reference: Karras et al. 2018, https://arxiv.org/abs/1710.10196
"""

import os

from kerasgan import training

BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "progan_digits.py")


def get_config(smoke=False):
    """The base recipe's config at this dataset's scale (`smoke`: a seconds-long run)."""
    scale = {} if smoke else {
        "epochs": 60, "steps_per_epoch": 2500,
        "model_kwargs": {"latent_dim": 512, "base_filters": 64, "steps_per_phase": 12500}}
    return training.derive_recipe(BASE, "progan_celeb_a", smoke, dataset="celeb_a",
                                  image_size=64, **scale)
