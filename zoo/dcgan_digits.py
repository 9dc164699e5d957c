"""DCGAN on the embedded digits (32x32x1): the default GAN of kerasgan.

Command:

    python scripts/train.py --recipe=zoo/dcgan_digits.py

Expected time on a 2-core laptop CPU: about 5 minutes (1,320 steps in 280 s of
training, 0.13 s/step; 4 min 47 s for the whole command, export included).
Result (2-core CPU, 2026-11-21): final epoch means d_loss=1.152, g_loss=1.363,
real_score=0.559, fake_score=0.353 (zoo/results.json); the epoch-60 grid shows
readable digits of most classes. LiteRT reproduces the SavedModel exactly (0 uint8 levels).
Measured by scripts/zoo_report.py (1,000 samples vs the 360 held-out digits): Frechet
distance 35.7 (floor: real train images 5.7), KID 16.3, precision 0.57, recall 0.85,
all 10 classes covered, mode KL 0.077.

Reference: Radford et al. 2015, https://arxiv.org/abs/1511.06434
"""


def get_config(smoke=False):
    """Returns the training config; `smoke=True` shrinks it to a seconds-long run."""
    config = {
        "model": "dcgan",
        "model_kwargs": {"latent_dim": 100, "base_filters": 32},
        "dataset": "digits",
        "epochs": 60,
        "batch_size": 64,
        "label_smoothing": 0.1,
        "seed": 0,
    }
    if smoke:
        config.update(epochs=1, steps_per_epoch=2, batch_size=8,
                      model_kwargs={"latent_dim": 16, "base_filters": 8})
    return config
