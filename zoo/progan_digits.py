"""ProGAN on the embedded digits (32x32x1): grown 4 -> 8 -> 16 -> 32 with fade-ins.

Command:

    python scripts/train.py --recipe=zoo/progan_digits.py

Steps: 1,496 generator steps, each with one critic step and its gradient penalty;
the train step is traced and XLA-compiled again at each of the 3 growths. Schedule:
150 steps at 4x4, then for 8x8, 16x16 and 32x32 a 150-step fade-in and a 150-step
stable phase; 32x32 is reached at step 750 (fully at step 900) and trains there until
step 1,496. base_filters=16 gives widths 128 (4x4), 64, 32 and 16 (32x32).
Time: 2,238 s of training measured on a 2-core CPU that the test suite shared
(0.1 s/step at 4x4 and 1-2 s/step at 32x32 under that load); not measured alone.
Result (2-core CPU, 2026-11-21), measured by scripts/zoo_report.py (1,000 samples vs
the 360 held-out digits): Frechet distance 38.0, KID 18.8, precision 0.54, recall
0.83, all 10 classes covered, mode KL 0.053. Final critic: Wasserstein estimate 1.80,
gradient penalty 0.15, drift 0.012. LiteRT float32 reproduces the SavedModel exactly,
float16 within 1 uint8 level; no int8 file (pixel norm: see `ProGAN.int8_skip_reason`).

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
