"""DCGAN on digits with DiffAugment (color, translation, cutout) on every image D sees.

The base recipe, zoo/dcgan_digits.py, with this one change; the ablation table in
zoo/README.md compares them (scripts/ablation.py, same budget and seeds).

Command:

    python scripts/train.py --recipe=zoo/tricks/dcgan_digits_diffaugment.py

Reference: Zhao et al. 2020, https://arxiv.org/abs/2006.10738
"""

import os

from kerasgan import training

BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "dcgan_digits.py")


def get_config(smoke=False):
    """The base recipe's config with the trick on (`smoke`: a seconds-long run)."""
    return training.derive_recipe(
        BASE, "dcgan_digits_diffaugment", smoke,
        model_kwargs={"diffaugment": "color,translation,cutout"})
