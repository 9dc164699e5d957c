"""pix2pix on CelebA faces at 64x64x3: edge maps of the faces in, the faces out.

No tfds dataset holds aligned pix2pix pairs (`cycle_gan/facades` and `cycle_gan/maps`
come as two unpaired domains), so the pairs are made the way pix2pix's
edges2shoes/edges2handbags were: `celeb_a_edges` (`kerasgan.data.load_pairs`) takes the
`celeb_a` tfds images, centre-crops and resizes them to 64x64, and pairs each with its
binary Sobel edge map (`kerasgan.data.edge_maps`, on the luma, repeated on the three
channels). Needs the `celeb_a` tfds dataset (about 1.4 GB), downloaded into
`--data_dir` on the first run.

Command:

    python scripts/train.py --recipe=zoo/full_data/pix2pix_celeb_a_edges.py --data_dir=~/tensorflow_datasets

Settings: the paper's networks at base_filters=64 (U-Net 64 to 512 channels down to
1x1, 70x70 PatchGAN), L1 weight 100, Adam(2e-4, 0.5), batch 16, 5 epochs of CelebA's
162,770 training faces (about 50,900 steps). Not run here (no network on the build
machine); a starting point, not tuned. Hours on a GPU.

Derived from zoo/pix2pix_digits.py, the recipe measured on the embedded data: its
config at this dataset's scale (`training.derive_recipe`), and its smoke run on
this dataset.

Reference: Isola et al. 2016, https://arxiv.org/abs/1611.07004
"""

import os

from kerasgan import training

BASE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "pix2pix_digits.py")


def get_config(smoke=False):
    """The base recipe's config at this dataset's scale (`smoke`: a seconds-long run)."""
    scale = {} if smoke else {"epochs": 5, "model_kwargs": {"base_filters": 64}}
    return training.derive_recipe(BASE, "pix2pix_celeb_a_edges", smoke,
                                  dataset="celeb_a_edges", image_size=64, **scale)
