"""LSGAN on the embedded digits (32x32x1): DCGAN networks, least-squares objective.

Command:

    python scripts/train.py --recipe=zoo/lsgan_digits.py

Expected time on a 2-core laptop CPU: about 5 minutes idle; the same compute as
dcgan_digits (1,320 steps; LSGAN only changes the loss). Measured here on a shared
2-core CPU with other jobs running (load average 6-10, when dcgan ran at 0.41 s/step
instead of its idle 0.13): 663 s of training, 11 min 28 s for the whole command.
Result (2-core CPU, shared): final epoch means d_loss=0.294, g_loss=0.489,
real_output=0.79, fake_output=0.18 (targets 1 and 0). The epoch-60 grid shows blurry
digit shapes, several readable (0, 2, 3, 5, 7, 9), others malformed, about dcgan's
quality. LiteRT reproduces the SavedModel exactly (0 uint8 levels).

Reference: Mao et al. 2017, https://arxiv.org/abs/1611.04076
"""


def get_config(smoke=False):
    """Returns the training config; `smoke=True` shrinks it to a seconds-long run."""
    config = {
        "model": "lsgan",
        "model_kwargs": {"latent_dim": 100, "base_filters": 32},
        "dataset": "digits",
        "epochs": 60,
        "batch_size": 64,
        "label_smoothing": 0.0,
        "seed": 0,
    }
    if smoke:
        config.update(epochs=1, steps_per_epoch=2, batch_size=8,
                      model_kwargs={"latent_dim": 16, "base_filters": 8})
    return config
