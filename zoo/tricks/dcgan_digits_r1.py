"""DCGAN on digits with the R1 penalty on real data, gamma 1.

The base recipe, zoo/dcgan_digits.py, with this one change; the ablation table in
zoo/README.md compares them (scripts/ablation.py, same budget and seeds).

Command:

    python scripts/train.py --recipe=zoo/tricks/dcgan_digits_r1.py

Reference: Mescheder et al. 2018, https://arxiv.org/abs/1801.04406
"""

import os

from kerasgan import training

BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "dcgan_digits.py")


def get_config(smoke=False):
    """The base recipe's config with the trick on (`smoke`: a seconds-long run)."""
    return training.derive_recipe(BASE, "dcgan_digits_r1", smoke, model_kwargs={"r1_weight": 1.0})
