"""StyleGAN2 on the embedded digits (32x32x1), a small one: widths 128 at 4x4 down
to 16 at 32x32.

Command:

    python scripts/train.py --recipe=zoo/stylegan_digits.py

Time: 848 s of training (440 steps, about 2 s/step) measured on a 2-core CPU that
the test suite shared; about 1 s/step alone (measured over a few steps).
Result (2-core CPU, 2026-11-21), measured by scripts/zoo_report.py (1,000 samples vs
the 360 held-out digits): Frechet distance 53.2, KID 21.3, precision 0.61, recall
0.67, all 10 classes covered, mode KL 0.204. 440 steps is far too few for StyleGAN,
and it shows: the weakest recipe of the zoo apart from gan and sngan. Train it
longer (`--epochs`) if you have the time. Final d_loss 1.23, g_loss 0.90, R1 0.041.
LiteRT float32 and float16 files are within 1 uint8 level of the SavedModel; int8
is within 50.

Mapping network of 8 layers (learning rate x0.01), style mixing with probability
0.9, per-layer noise, lazy R1 every 16 steps. The export serves `serving_default`
(no truncation) and `truncated` (a `truncation` input: 1.0 is no truncation, 0.5
trades variety for typical digits).

Reference: Karras et al. 2020, https://arxiv.org/abs/1912.04958
"""


def get_config(smoke=False):
    """Returns the training config; `smoke=True` shrinks it to a seconds-long run."""
    config = {
        "model": "stylegan",
        "model_kwargs": {"latent_dim": 128, "base_filters": 16},
        "dataset": "digits",
        "epochs": 10,
        "batch_size": 32,
        "seed": 0,
    }
    if smoke:
        config.update(epochs=1, steps_per_epoch=2, batch_size=8,
                      model_kwargs={"latent_dim": 16, "base_filters": 4, "mapping_layers": 2})
    return config
