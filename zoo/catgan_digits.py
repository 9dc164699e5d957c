"""CatGAN on the embedded digits: a discriminator that sorts digits into 10 categories,
learned without labels.

Command:

    python scripts/train.py --recipe=zoo/catgan_digits.py

Expected time on a 2-core laptop CPU: about 5 minutes unloaded (1,320 steps, about
DCGAN's cost). Measured here: 534 s of training (9 min 6 s for the whole command) on a
2-core CPU shared with other jobs, 0.40 s/step.
Result (2-core CPU, 2026-11-21): final epoch means d_loss=-3.467, g_loss=-0.472,
real_entropy=0.54 (D fairly sure of each real digit), fake_entropy=1.81 (unsure of
fakes; log 10 = 2.30), real_marginal_entropy=2.21, fake_marginal_entropy=2.28 (both
use all 10 categories). The epoch-60 grid shows blurry, noisy digits, most of them
recognisable (0, 1, 2, 4, 5, 6, 9 clearly), sharper than with D at Adam(2e-4), which
gave blobs (fake_entropy 2.19: D rated every fake near-uniform, where G's entropy
gradient vanishes), hence the slower discriminator here. As an unsupervised
clustering, D's 10 categories on the 360 test digits have 83% purity (each category's
majority digit; 84% with D at 2e-4): 0, 5, 6 and 8 get clean categories of their own,
7 gets none (its images join the 2 and 4 categories), 3 splits between its own
category and 9's, and one category is a mix led by 1s. LiteRT float32 reproduces the
SavedModel exactly (0 uint8 levels).

Reference: Springenberg 2015, https://arxiv.org/abs/1511.06390
"""


def get_config(smoke=False):
    """Returns the training config; `smoke=True` shrinks it to a seconds-long run."""
    config = {
        "model": "catgan",
        "model_kwargs": {"latent_dim": 100, "base_filters": 32},
        "dataset": "digits",
        "epochs": 60,
        "batch_size": 64,
        "d_learning_rate": 5e-5,
        "seed": 0,
    }
    if smoke:
        config.update(epochs=1, steps_per_epoch=2, batch_size=8,
                      model_kwargs={"latent_dim": 16, "base_filters": 8})
    return config
