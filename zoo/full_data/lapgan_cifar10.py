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

Reference: Denton et al. 2015, https://arxiv.org/abs/1506.05751
"""


def get_config(smoke=False):
    """Returns the training config; `smoke=True` shrinks it to a seconds-long run."""
    config = {
        "model": "lapgan",
        "model_kwargs": {"latent_dim": 100, "base_filters": 128, "kernel_size": 5,
                         "hidden_units": [[1200, 1200], [600, 600]]},
        "dataset": "cifar10",
        "image_size": 32,
        "epochs": 100,
        "batch_size": 128,
        "label_smoothing": 0.0,
        "seed": 0,
    }
    if smoke:
        config.update(epochs=1, steps_per_epoch=2, batch_size=8,
                      model_kwargs={"latent_dim": 16, "base_filters": 8,
                                    "hidden_units": [[32], [32]]})
    return config
