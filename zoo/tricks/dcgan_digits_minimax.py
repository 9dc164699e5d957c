"""DCGAN on digits with the minimax generator loss log(1 - D(G(z))) instead of the non-
saturating one.

The base recipe, zoo/dcgan_digits.py, with this one change; the ablation table in
zoo/README.md compares them (scripts/ablation.py, same budget and seeds).

Command:

    python scripts/train.py --recipe=zoo/tricks/dcgan_digits_minimax.py

Reference: Goodfellow et al. 2014, https://arxiv.org/abs/1406.2661
"""

import os

from kerasgan import training

BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "dcgan_digits.py")


def get_config(smoke=False):
    """The base recipe's config with the trick on (`smoke`: a seconds-long run)."""
    return training.derive_recipe(
        BASE, "dcgan_digits_minimax", smoke, model_kwargs={"generator_loss": "minimax"})
