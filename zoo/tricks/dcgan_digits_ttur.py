"""DCGAN on digits with TTUR: discriminator learning rate 4e-4, generator 1e-4.

The base recipe, zoo/dcgan_digits.py, with this one change; the ablation table in
zoo/README.md compares them (scripts/ablation.py, same budget and seeds).

Command:

    python scripts/train.py --recipe=zoo/tricks/dcgan_digits_ttur.py

Reference: Heusel et al. 2017, https://arxiv.org/abs/1706.08500
"""

import os

from kerasgan import training

BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "dcgan_digits.py")


def get_config(smoke=False):
    """The base recipe's config with the trick on (`smoke`: a seconds-long run)."""
    return training.derive_recipe(
        BASE, "dcgan_digits_ttur", smoke, d_learning_rate=0.0004, g_learning_rate=0.0001)
