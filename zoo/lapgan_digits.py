"""LAPGAN on the embedded digits: GANs on the 8x8, 16x16 and 32x32 levels of a
Laplacian pyramid, sampled coarse to fine.

Command:

    python scripts/train.py --recipe=zoo/lapgan_digits.py

Expected time on a 2-core laptop CPU: about 3 minutes (880 steps in 169 s, 0.19
s/step with XLA).
Result (2-core CPU, 2026-11-21), measured by scripts/zoo_report.py (1,000 samples vs
the 360 held-out digits): Frechet distance 45.6, KID 24.9, precision 0.60, recall
0.77, all 10 classes covered, mode KL 0.059. Final per-level losses: D 1.23 / 1.36 /
0.35 and G 0.94 / 0.81 / 4.62 at 8 / 16 / 32: the 32x32 band's discriminator wins
its game. LiteRT float32 reproduces the SavedModel exactly; the int8 file differs by
up to 76 uint8 levels (the chain of three generators compounds quantization error:
use the float16 file, within 1 level).

Every level trains in every step on its own band of the real digits; the sample grid
shows the chain: level 0 draws an 8x8 digit, levels 1 and 2 add the detail of the
16x16 and 32x32 bands.

Reference: Denton et al. 2015, https://arxiv.org/abs/1506.05751
"""


def get_config(smoke=False):
    """Returns the training config; `smoke=True` shrinks it to a seconds-long run."""
    config = {
        "model": "lapgan",
        "model_kwargs": {"latent_dim": 100, "base_filters": 16, "kernel_size": 3,
                         "hidden_units": [[512, 512], [256, 256]]},
        "dataset": "digits",
        "epochs": 40,
        "batch_size": 64,
        "label_smoothing": 0.1,
        "seed": 0,
    }
    if smoke:
        config.update(epochs=1, steps_per_epoch=2, batch_size=8,
                      model_kwargs={"latent_dim": 16, "base_filters": 8,
                                    "hidden_units": [[32], [32]]})
    return config
