"""DCGAN on digits with an exponential moving average of the generator's weights (decay
0.99), which is what generates, is evaluated and is exported.

The base recipe, zoo/dcgan_digits.py, with this one change; the ablation table in
zoo/README.md compares them (scripts/ablation.py, same budget and seeds).

Command:

    python scripts/train.py --recipe=zoo/tricks/dcgan_digits_ema.py

Reference: Yazici et al. 2019, https://arxiv.org/abs/1806.04498; Karras et al. 2018
"""

import os

from kerasgan import training

BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "dcgan_digits.py")


def get_config(smoke=False):
    """The base recipe's config with the trick on (`smoke`: a seconds-long run)."""
    return training.derive_recipe(
        BASE, "dcgan_digits_ema", smoke, model_kwargs={"ema_decay": 0.99})
