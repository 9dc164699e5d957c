"""ProGAN on CelebA faces at 64x64x3: grown 4 -> 8 -> 16 -> 32 -> 64 with fade-ins.

Needs the `celeb_a` tfds dataset (about 1.4 GB), downloaded into `--data_dir` on the
first run. Images are centre-cropped to squares and resized to 64x64.

Command:

    python scripts/train.py --recipe=zoo/full_data/progan_celeb_a.py --data_dir=~/tensorflow_datasets

Paper-like settings (Karras et al. 2018, Section A.1 and Table 2): latent_dim 512,
widths 512 up to 16x16 then halving (base_filters=64: 512, 512, 256, 128, 64), 800k
real images per fade-in and per stable phase (12,500 steps of 64), Adam(1e-3, 0,
0.99), WGAN-GP with drift 0.001. 150,000 steps: 64x64 is reached at step 87,500
(fully at 100,000). Takes days on a CPU: use a GPU
(`--distribute=mirrored` for several). The paper's per-resolution batch sizes,
learning-rate ramp and averaged generator are not part of this model.

Reference: Karras et al. 2018, https://arxiv.org/abs/1710.10196
"""


def get_config(smoke=False):
    """Returns the training config; `smoke=True` shrinks it to a seconds-long run."""
    config = {
        "model": "progan",
        "model_kwargs": {"latent_dim": 512, "base_filters": 64, "steps_per_phase": 12500},
        "dataset": "celeb_a",
        "image_size": 64,
        "epochs": 60,
        "steps_per_epoch": 2500,
        "batch_size": 64,
        "label_smoothing": 0.0,
        "seed": 0,
    }
    if smoke:
        config.update(epochs=1, steps_per_epoch=2, batch_size=8,
                      model_kwargs={"latent_dim": 16, "base_filters": 8, "steps_per_phase": 1})
    return config
