"""LAPGAN on CIFAR-10 at 32x32x3: the paper's pyramid 8 -> 16 -> 32.

Needs the `cifar10` tfds dataset (about 160 MB), downloaded into `--data_dir` on the
first run.

Command:

    python scripts/train.py --recipe=zoo/full_data/lapgan_cifar10.py --data_dir=~/tensorflow_datasets

Paper-like settings (Denton et al. 2015, Section 3, unconditional CIFAR-10 model):
a 100-d `z` for the fully connected 8x8 level (two 1200-unit layers in G, two
600-unit layers in D: the model's defaults), convolutional band levels at 16x16 and
32x32 that take their noise as a 4th input plane, here 5x5 kernels and 128 channels
(base_filters=128). The paper trains with SGD and momentum on random crops; this
recipe keeps the model's Adam(2e-4, 0.5) and full 32x32 images. 100 epochs of the
50,000 training images at batch 128 (39,000 steps). Hours on a GPU; not run here.

Derived from zoo/lapgan_digits.py, the recipe measured on the embedded data: its
config at this dataset's scale (`training.derive_recipe`), and its smoke run on
this dataset.

Reference: Denton et al. 2015, https://arxiv.org/abs/1506.05751
"""

import os

from kerasgan import training

BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "lapgan_digits.py")


def get_config(smoke=False):
    """The base recipe's config at this dataset's scale (`smoke`: a seconds-long run)."""
    scale = {} if smoke else {
        "epochs": 100, "batch_size": 128,
        "model_kwargs": {"base_filters": 128, "kernel_size": 5,
                         "hidden_units": [[1200, 1200], [600, 600]]}}
    return training.derive_recipe(BASE, "lapgan_cifar10", smoke, dataset="cifar10",
                                  image_size=32, label_smoothing=0.0, **scale)
