"""StyleGAN2 on CelebA faces at 64x64x3, with paper-like widths and settings.

Needs the tfds `celeb_a` download (about 1.4 GB; tfds fetches it into `--data_dir` on
the first run, so the machine must be online once):

    python scripts/train.py --recipe=zoo/full_data/stylegan_celeb_a.py --data_dir=~/tensorflow_datasets

Settings: the paper's mapping network (8 layers, w and z of 512, learning rate x0.01),
style mixing 0.9, lazy R1 every 16 steps, Adam(2e-3, 0, 0.99), and widths 512 at
4x4 and 8x8 halving to 64 at 64x64 (the paper's 512 cap; `base_filters=64`). R1's
gamma follows the heuristic of Karras et al. 2020b (ADA, Section 4 / Appendix D)
`gamma = 0.0002 * side^2 / batch` = 0.0256 for 64x64 at batch 32. The generator EMA
(decay 0.998, a half-life of about 10,000 images at batch 32, as StyleGAN's G_ema)
generates, is evaluated and is exported. Path length regularization is not
implemented. 30 epochs are about 150,000 steps (4.9M images): a GPU job, hours to
days depending on the GPU; not run on the CPU this project is measured on.

Derived from zoo/stylegan_digits.py, the recipe measured on the embedded data: its
config at this dataset's scale (`training.derive_recipe`), and its smoke run on
this dataset.

Reference: Karras et al. 2020, "Analyzing and Improving the Image Quality of StyleGAN",
https://arxiv.org/abs/1912.04958; Karras et al. 2019, https://arxiv.org/abs/1812.04948;
Karras et al. 2020b, "Training Generative Adversarial Networks with Limited Data",
https://arxiv.org/abs/2006.06676
"""

import os

from kerasgan import training

BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "stylegan_digits.py")


def get_config(smoke=False):
    """The base recipe's config at this dataset's scale (`smoke`: a seconds-long run)."""
    scale = {} if smoke else {
        "epochs": 30,
        "model_kwargs": {"latent_dim": 512, "base_filters": 64, "w_dim": 512,
                         "mapping_layers": 8, "style_mixing": 0.9, "r1_weight": 0.0256,
                         "r1_interval": 16, "ema_decay": 0.998}}
    return training.derive_recipe(BASE, "stylegan_celeb_a", smoke, dataset="celeb_a",
                                  image_size=64, label_smoothing=0.0, **scale)
