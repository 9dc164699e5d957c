"""GAN with MLP players on the embedded digits (32x32x1).

Command:

    python scripts/train.py --recipe=zoo/gan_digits.py

Expected time on a 2-core laptop CPU: about 4 minutes (4,400 steps in 215 s of
training, 0.05 s/step; 223 s for the whole command, export included).
Result (2-core CPU, 2026-11-21): final epoch means d_loss=0.846, g_loss=1.863,
real_score=0.67, fake_score=0.23. The epoch-200 grid shows digit shapes (0, 1, 3, 6,
8, 9) with pixel speckle, the MLP baseline's typical look; at 30 epochs (660 steps)
it was still noise. LiteRT reproduces the SavedModel exactly (0 uint8 levels).
Measured by scripts/zoo_report.py (1,000 samples vs the 360 held-out digits): Frechet
distance 82.6 (floor 5.7), precision 0.77, recall 0.14, 8 of 10 classes covered: the
MLP GAN drops modes where the DCGAN covers all ten.

Reference: Goodfellow et al. 2014, https://arxiv.org/abs/1406.2661
"""


def get_config(smoke=False):
    """Returns the training config; `smoke=True` shrinks it to a seconds-long run."""
    config = {
        "model": "gan",
        "model_kwargs": {"latent_dim": 100, "generator_loss": "non_saturating"},
        "dataset": "digits",
        "epochs": 200,
        "batch_size": 64,
        "label_smoothing": 0.1,
        "seed": 0,
    }
    if smoke:
        config.update(epochs=1, steps_per_epoch=2, batch_size=8,
                      model_kwargs={"latent_dim": 16, "hidden_units": ((32,), (32,))})
    return config
