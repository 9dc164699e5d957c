"""DCGAN on digits with one-sided label smoothing turned OFF (the base recipe uses 0.1;
Salimans et al. 2016, Section 3.4).

The base recipe, zoo/dcgan_digits.py, with this one change; the ablation table in
zoo/README.md compares them (scripts/ablation.py, same budget and seeds).

Command:

    python scripts/train.py --recipe=zoo/tricks/dcgan_digits_no_label_smoothing.py

Reference: Salimans et al. 2016, https://arxiv.org/abs/1606.03498
"""

import os

from kerasgan import training

BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "dcgan_digits.py")


def get_config(smoke=False):
    """The base recipe's config with the trick on (`smoke`: a seconds-long run)."""
    return training.derive_recipe(
        BASE, "dcgan_digits_no_label_smoothing", smoke, label_smoothing=0.0)
