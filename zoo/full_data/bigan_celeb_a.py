"""BiGAN on CelebA faces at 64x64x3: generator, encoder and joint discriminator.

Needs the `celeb_a` tfds dataset (about 1.4 GB), downloaded into `--data_dir` on the
first run. Images are centre-cropped to squares and resized to 64x64.

Command:

    python scripts/train.py --recipe=zoo/full_data/bigan_celeb_a.py --data_dir=~/tensorflow_datasets

Settings: a 200-d latent (the paper's ImageNet setting used 200), DCGAN-shaped
generator, encoder and joint discriminator at base_filters=64 (64 to 512 channels),
Adam(2e-4, 0.5), batch 64, 25 epochs of CelebA's 162,770 training faces (about
63,600 steps). Not run here (no network on the build machine); a starting point,
not tuned. Hours on a GPU.

Reference: Donahue et al. 2016, https://arxiv.org/abs/1605.09782
"""


def get_config(smoke=False):
    """Returns the training config; `smoke=True` shrinks it to a seconds-long run."""
    config = {
        "model": "bigan",
        "model_kwargs": {"latent_dim": 200, "base_filters": 64, "dropout": 0.2},
        "dataset": "celeb_a",
        "image_size": 64,
        "epochs": 25,
        "batch_size": 64,
        "seed": 0,
    }
    if smoke:
        config.update(epochs=1, steps_per_epoch=2, batch_size=8,
                      model_kwargs={"latent_dim": 8, "base_filters": 8})
    return config
