"""CycleGAN on the embedded digits_thick domains (32x32x1): digits <-> stroke-thickened digits,
unpaired.

Command:

    python scripts/train.py --recipe=zoo/cyclegan_digits.py

Expected time on a 2-core laptop CPU: about 12 minutes (705 s for 440 steps, measured
while the two cores also ran tests and another training).
Result (scripts/zoo_report.py, 180 held-out images per domain): cycle L1 0.063 for
A -> B -> A and 0.067 for B -> A -> B (in [-1, 1] units); the digits classifier reads
99.4% of the thickened translations G(a) and 98.9% of the thinned F(b) as their input's
digit; Frechet distance of G(a) to the held-out thick digits 16.6 (precision 0.89,
recall 0.89).

Domain A is one half of the digits train split, domain B the other half with every
stroke thickened (a 3x3 grey dilation, `kerasgan.data.thicken`), so no image has its
counterpart in the other domain. G (A -> B) learns to thicken strokes and F (B -> A)
to thin them from the two sets alone: the least-squares PatchGANs (34x34 patches) tell
each domain's real images from translations, and the cycle loss (weight 10) and the
identity loss (weight 0.5 x 10) keep each translation the same digit. About 1.3 s per
step of 16 pairs was measured on the 2-core CPU under load, so 10 epochs (440 steps)
fit a 10-15 minute budget. The zoo measures held-out images of both domains: the
Frechet distance of translations G(a) to real B images, the cycle L1 |F(G(a)) - a| and
|G(F(b)) - b|, and how often the digits classifier reads a translation as its input's
digit. The export serves `a_to_b` (also `serving_default`, `cyclegan_digits.tflite`)
and `b_to_a` (`cyclegan_digits.b_to_a.tflite`), uint8 images in and out, float32 and
float16 `.tflite`.

Reference: Zhu et al. 2017, https://arxiv.org/abs/1703.10593
"""


def get_config(smoke=False):
    """Returns the training config; `smoke=True` shrinks it to a seconds-long run."""
    config = {
        "model": "cyclegan",
        "model_kwargs": {"base_filters": 16, "num_residual_blocks": 4, "cycle_weight": 10.0,
                         "identity_weight": 0.5, "pool_size": 50},
        "dataset": "digits_thick",
        "epochs": 10,
        "batch_size": 16,
        "seed": 0,
        # XLA compiled this train step for about 70 s here and then ran it no faster
        # (1.28 s per step with it and without).
        "jit_compile": False,
    }
    if smoke:
        config.update(epochs=1, steps_per_epoch=2, batch_size=8,
                      model_kwargs={"base_filters": 4, "num_residual_blocks": 1,
                                    "cycle_weight": 10.0, "identity_weight": 0.5,
                                    "pool_size": 50})
    return config
