"""VAE on CelebA faces at 64x64x3: the non-adversarial baseline at the GANs' size.

Needs the `celeb_a` tfds dataset (about 1.4 GB), downloaded into `--data_dir` on the
first run. Images are centre-cropped to squares and resized to 64x64.

Command:

    python scripts/train.py --recipe=zoo/full_data/vae_celeb_a.py --data_dir=~/tensorflow_datasets

Settings: a 128-d latent, the DCGAN-shaped encoder and decoder at base_filters=64 (64
to 512 channels), Adam(1e-3), batch 64, 30 epochs of CelebA's 162,770 training
faces (76,000 steps). The Gaussian decoder's `reconstruction_stddev` is 0.3 (pixel
units of [-1, 1]): on the embedded digits a larger value gave better samples
(zoo/vae_digits.py uses 1.0), but faces carry detail that 1.0 averages away. It is a
starting point, not tuned on CelebA here; lower it for sharper reconstructions,
raise it for samples closer to the training faces' statistics. Hours on a GPU,
days on a CPU.

Derived from zoo/vae_digits.py, the recipe measured on the embedded data: its
config at this dataset's scale (`training.derive_recipe`), and its smoke run on
this dataset.

Reference: Kingma & Welling 2014, https://arxiv.org/abs/1312.6114
"""

import os

from kerasgan import training

BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "vae_digits.py")


def get_config(smoke=False):
    """The base recipe's config at this dataset's scale (`smoke`: a seconds-long run)."""
    scale = {} if smoke else {
        "epochs": 30,
        "model_kwargs": {"latent_dim": 128, "base_filters": 64, "reconstruction_stddev": 0.3}}
    return training.derive_recipe(BASE, "vae_celeb_a", smoke, dataset="celeb_a",
                                  image_size=64, **scale)
