"""SNGAN on the embedded digits (32x32x1): spectrally normalized CNN discriminator, hinge loss.

Command:

    python scripts/train.py --recipe=zoo/sngan_digits.py

Expected time on a 2-core laptop CPU: about 5 minutes (1,320 steps; base_filters=16,
since the paper's 7-convolution discriminator at 32 filters costs ~4x a dcgan step).
Measured here on a shared 2-core CPU (load average ~2-3): 323 s of training, 5 min
36 s for the whole command.
Result (2-core CPU, shared): with Adam(2e-4, 0.5, 0.999) for both players the
discriminator weakened (d_loss near the hinge's 2) and the grid was blurrier; this
recipe gives the discriminator 4e-4 (two time-scale updates, Heusel et al. 2017).
Final epoch means: d_loss=1.92, g_loss=-0.18, real_output=0.33, fake_output=0.25
(the discriminator stays weak late in training). The epoch-60 grid shows blurry
digit strokes, some readable (0, 2, 4, 6, 8, 9). LiteRT reproduces the SavedModel
exactly (0 uint8 levels).

Reference: Miyato et al. 2018, https://arxiv.org/abs/1802.05957
"""


def get_config(smoke=False):
    """Returns the training config; `smoke=True` shrinks it to a seconds-long run."""
    config = {
        "model": "sngan",
        "model_kwargs": {"latent_dim": 128, "base_filters": 16},
        "dataset": "digits",
        "epochs": 60,
        "batch_size": 64,
        "label_smoothing": 0.0,
        "d_learning_rate": 4e-4,
        "seed": 0,
    }
    if smoke:
        config.update(epochs=1, steps_per_epoch=2, batch_size=8,
                      model_kwargs={"latent_dim": 16, "base_filters": 8})
    return config
