"""Conditional DCGAN on the embedded digits: ask for a class, get that digit.

Command:

    python scripts/train.py --recipe=zoo/cgan_digits.py

Expected time on a 2-core laptop CPU: MEASURED_TIME.
Result (this machine): MEASURED_RESULT.

Reference: Mirza & Osindero 2014, https://arxiv.org/abs/1411.1784
"""


def get_config(smoke=False):
    """Returns the training config; `smoke=True` shrinks it to a seconds-long run."""
    config = {
        "model": "cgan",
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
