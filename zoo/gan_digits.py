"""GAN with MLP players on the embedded digits (32x32x1).

Command:

    python scripts/train.py --recipe=zoo/gan_digits.py

Expected time on a 2-core laptop CPU: MEASURED_TIME.
Result (this machine): MEASURED_RESULT.

Reference: Goodfellow et al. 2014, https://arxiv.org/abs/1406.2661
"""


def get_config(smoke=False):
    """Returns the training config; `smoke=True` shrinks it to a seconds-long run."""
    config = {
        "model": "gan",
        "model_kwargs": {"latent_dim": 100, "generator_loss": "non_saturating"},
        "dataset": "digits",
        "epochs": 30,
        "batch_size": 64,
        "label_smoothing": 0.1,
        "seed": 0,
    }
    if smoke:
        config.update(epochs=1, steps_per_epoch=2, batch_size=8,
                      model_kwargs={"latent_dim": 16, "hidden_units": ((32,), (32,))})
    return config
