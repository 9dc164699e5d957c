"""DCGAN on digits with a replay buffer of 512 past fakes, half of each fake batch drawn
from it.

The base recipe, zoo/dcgan_digits.py, with this one change; the ablation table in
zoo/README.md compares them (scripts/ablation.py, same budget and seeds).

Command:

    python scripts/train.py --recipe=zoo/tricks/dcgan_digits_replay_buffer.py

Reference: Shrivastava et al. 2017, Section 2.3, https://arxiv.org/abs/1612.07828
"""

import os

from kerasgan import training

BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "dcgan_digits.py")


def get_config(smoke=False):
    """The base recipe's config with the trick on (`smoke`: a seconds-long run)."""
    return training.derive_recipe(
        BASE, "dcgan_digits_replay_buffer", smoke, model_kwargs={"replay_buffer_size": 512})
