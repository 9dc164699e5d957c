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
    """The base recipe's config with the trick turned on (`smoke`: seconds-long)."""
    config = training.load_recipe(BASE, smoke=smoke)
    config.pop("recipe")
    config["name"] = "dcgan_digits_replay_buffer"
    config["model_kwargs"].update({"replay_buffer_size": 512})
    return config
