"""DCGAN on the embedded digits (32x32x1): the default GAN of kerasgan.

Command:

    python scripts/train.py --recipe=zoo/dcgan_digits.py

Expected time on a 2-core laptop CPU: MEASURED_TIME.
Result (this machine): MEASURED_RESULT.

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
