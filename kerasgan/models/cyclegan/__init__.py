"""CycleGAN: unpaired image-to-image translation with two generators kept consistent by
cycles.

The family's parts: `layers` (reflection padding), `networks` (the ResNet generator
and its shape checks) and `model` (the `CycleGAN` train step, translation and export,
and the `cyclegan` factory).

D trains on a history of translations (Section 4, after Shrivastava et al. 2017):
a pool of `pool_size = 50` past `G(a)` for `D_B` and of `F(b)` for `D_A`
(`tricks.ReplayBuffer(per_image=True)`): each translation in the D step is swapped
for a random pooled one with probability 1/2, as in the paper's code. Unlike
that pool, every new translation is stored (free slots first, then random ones,
where the paper's code stores only the swapped-in ones) and replay starts with the
second batch, not once 50 images are stored. The D step uses the translations the
G step made, before G's update, as the paper's code does.

What differs from the paper: smaller default sizes (see the `cyclegan` factory);
instance norm has a learned scale and offset (the paper's code has none); the
learning rate is constant (the paper decays it linearly to 0 over its last 100
epochs: pass optimizers with a `keras.optimizers.schedules` rate to `compile` for
that); batches of any size (the paper's are 1). `ema_decay` averages both
generators (the export and `translate` use the averages); `r1_weight` penalizes
both discriminators; `historical_averaging` covers all four networks.

Reference:
    Zhu, Park, Isola & Efros, 2017, "Unpaired Image-to-Image Translation using
    Cycle-Consistent Adversarial Networks", ICCV 2017. https://arxiv.org/abs/1703.10593
"""

from kerasgan.models.cyclegan.layers import ReflectionPadding2D
from kerasgan.models.cyclegan.model import DIRECTIONS, CycleGAN, cyclegan
from kerasgan.models.cyclegan.networks import check_translation_shape, resnet_generator

__all__ = ["DIRECTIONS", "CycleGAN", "ReflectionPadding2D", "check_translation_shape",
           "cyclegan", "resnet_generator"]
