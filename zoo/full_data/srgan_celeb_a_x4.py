"""SRGAN x4 on CelebA faces: 24x24x3 faces in, 96x96x3 faces out.

The pairs come from `celeb_a_x4` (`kerasgan.data.load_pairs`): the `celeb_a` tfds
images, centre-cropped and resized to 96x96 (the paper's high-resolution crop size),
each paired with its 4x area-downsampled 24x24 version (`kerasgan.data.downsample`).
Any tfds image dataset works the same way as `<name>_x4`. Needs the `celeb_a` tfds
dataset (about 1.4 GB), downloaded into `--data_dir` on the first run.

Command:

    python scripts/train.py --recipe=zoo/full_data/srgan_celeb_a_x4.py --data_dir=~/tensorflow_datasets

Settings: the paper's networks (16 residual blocks of 64 channels, the VGG-style
discriminator from 64 to 512 filters, dense 1024), adversarial weight 1e-3,
Adam(1e-4, beta_1=0.9) (Section 3.2), batch 16, 10 epochs of CelebA's 162,770 training
faces (about 101,700 steps). `content_loss="auto"`: the paper's VGG54 loss when Keras'
cached VGG19 ImageNet weights (`~/.keras/models/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`)
are present, else D-feature matching plus pixel MSE. The paper initializes SRGAN from
a trained SRResNet (`adversarial_weight=0`, `content_loss="mse"`) and trains 10^5 steps
at 1e-4 then 10^5 at 1e-5; this recipe trains from scratch. Not run here (no network
on the build machine); a starting point, not tuned. Hours on a GPU.

Derived from zoo/srgan_sample_patches.py, the recipe measured on the embedded data: its
config at this dataset's scale (`training.derive_recipe`), and its smoke run on
this dataset.

Reference: Ledig et al. 2016, https://arxiv.org/abs/1609.04802
"""

import os

from kerasgan import training

BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                    "srgan_sample_patches.py")


def get_config(smoke=False):
    """The base recipe's config at this dataset's scale (`smoke`: a seconds-long run)."""
    scale = {} if smoke else {
        "epochs": 10, "model_kwargs": {"base_filters": 64, "num_residual_blocks": 16}}
    # None: the model's own learning rates (the paper's), not the patches recipe's.
    return training.derive_recipe(BASE, "srgan_celeb_a_x4", smoke, dataset="celeb_a_x4",
                                  image_size=96, d_learning_rate=None,
                                  g_learning_rate=None, **scale)
