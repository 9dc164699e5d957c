"""ProGAN on the embedded digits (32x32x1): grown 4 -> 8 -> 16 -> 32 with fade-ins.

Command:

    python scripts/train.py --recipe=zoo/progan_digits.py

Expected time on a 2-core laptop CPU: about 5 minutes (1,496 generator steps, each
with one critic step and its gradient penalty; the train step is traced and
XLA-compiled again at each of the 3 growths, 10-15 s each). Schedule: 150 steps at
4x4, then for 8x8, 16x16 and 32x32 a 150-step fade-in and a 150-step stable phase;
32x32 is reached at step 750 (fully at step 900) and trains there until step 1,496.
base_filters=16 gives widths 128 (4x4), 64, 32 and 16 (32x32).
Result: to be measured by scripts/zoo_report.py.

Reference: Karras et al. 2018, https://arxiv.org/abs/1710.10196
"""


def get_config(smoke=False):
    """Returns the training config; `smoke=True` shrinks it to a seconds-long run."""
    config = {
        "model": "progan",
        "model_kwargs": {"latent_dim": 128, "base_filters": 16, "steps_per_phase": 150},
        "dataset": "digits",
        "epochs": 68,
        "batch_size": 64,
        "label_smoothing": 0.0,
        "seed": 0,
    }
    if smoke:
        config.update(epochs=1, steps_per_epoch=2, batch_size=8,
                      model_kwargs={"latent_dim": 16, "base_filters": 8, "steps_per_phase": 1})
    return config
