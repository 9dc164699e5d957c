"""pix2pix on the embedded digits_edges pairs (32x32x1): edge maps in, digits out.

Command:

    python scripts/train.py --recipe=zoo/pix2pix_digits.py

Expected time on a 2-core laptop CPU: about 13 minutes (766 s for 890 steps, measured
while the two cores also ran tests; about 49 s an epoch when they did not).
Result (scripts/zoo_report.py, the 360 held-out pairs): translation L1 0.056 (in [-1, 1]
units), Frechet distance of the translations to the targets 0.92 (the real-data floor
between the train and test digits is 5.72, at other sample counts), and the digits
classifier reads the translation as its target's digit for 99.2% of the pairs.

The sources are binary Sobel edge maps of the digits (`kerasgan.data.edge_maps`), the
targets the digits. The U-Net generator fills the outlines in, the 34x34 PatchGAN
(conditioned on the edges) judges each patch of the (edges, digit) pair, and the L1
term (weight 100) keeps the translation on its target. The zoo measures the held-out
pairs: translation L1, Frechet distance of translations to targets, and how often the
digits classifier reads a translation as its target's digit. The export serves uint8
edge maps to uint8 digits (`serving_default`), float32 and float16 `.tflite`.

Reference: Isola et al. 2016, https://arxiv.org/abs/1611.07004
"""


def get_config(smoke=False):
    """Returns the training config; `smoke=True` shrinks it to a seconds-long run."""
    config = {
        "model": "pix2pix",
        "model_kwargs": {"base_filters": 32, "l1_weight": 100.0},
        "dataset": "digits_edges",
        "epochs": 10,
        "batch_size": 16,
        "seed": 0,
    }
    if smoke:
        config.update(epochs=1, steps_per_epoch=2, batch_size=8,
                      model_kwargs={"base_filters": 8, "l1_weight": 100.0})
    return config
