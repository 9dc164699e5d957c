"""DCGAN on digits with a minibatch standard deviation channel before D's logit.

The base recipe, zoo/dcgan_digits.py, with this one change; the ablation table in
zoo/README.md compares them (scripts/ablation.py, same budget and seeds).

Command:

    python scripts/train.py --recipe=zoo/tricks/dcgan_digits_minibatch_stddev.py

Reference: Karras et al. 2018, Section 3, https://arxiv.org/abs/1710.10196
"""

import os

from kerasgan import training

BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "dcgan_digits.py")


def get_config(smoke=False):
    """The base recipe's config with the trick on (`smoke`: a seconds-long run)."""
    return training.derive_recipe(
        BASE, "dcgan_digits_minibatch_stddev", smoke,
        model_kwargs={"minibatch_features": "stddev"})
