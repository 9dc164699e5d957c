"""DRAGAN on the embedded digits (32x32x1): DCGAN generator, layer-norm discriminator.

Command:

    python scripts/train.py --recipe=zoo/dragan_digits.py

Expected time on a 2-core laptop CPU: about 4-5 minutes idle (1,100 steps; the
penalty's double backward pass makes a step about 1.7x a dcgan step). Measured here
on a shared 2-core CPU with other jobs running (load average ~4): 539 s of training,
9 min 12 s for the whole command.
Result (2-core CPU, shared): with Adam(1e-4, 0.5, 0.9) the epoch-50 digits were
blurrier and fewer were readable, so this recipe uses Adam(2e-4, 0.5, 0.9). Final
epoch means: d_loss=1.099, g_loss=0.999, gradient_penalty=0.022, real_score=0.60,
fake_score=0.39. The epoch-50 grid shows blurry digits, many readable (0, 2, 3, 5, 6,
7, 9). LiteRT reproduces the SavedModel exactly (0 uint8 levels).

Reference: Kodali et al. 2017, https://arxiv.org/abs/1705.07215
"""


def get_config(smoke=False):
    """Returns the training config; `smoke=True` shrinks it to a seconds-long run."""
    config = {
        "model": "dragan",
        "model_kwargs": {"latent_dim": 100, "base_filters": 32, "gp_weight": 10.0},
        "dataset": "digits",
        "epochs": 50,
        "batch_size": 64,
        "label_smoothing": 0.0,
        "d_learning_rate": 2e-4,
        "g_learning_rate": 2e-4,
        "seed": 0,
    }
    if smoke:
        config.update(epochs=1, steps_per_epoch=2, batch_size=8,
                      model_kwargs={"latent_dim": 16, "base_filters": 8})
    return config
