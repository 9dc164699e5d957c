"""BiGAN on the embedded digits (32x32x1): a GAN that learns an encoder too.

Command:

    python scripts/train.py --recipe=zoo/bigan_digits.py

Expected time on a 2-core laptop CPU: about 5 minutes alone (990 steps, about 0.28
s/step; 590 s measured on a CPU shared with another job).
Result (2-core CPU, 2026-11-21), measured by scripts/zoo_report.py (1,000 samples vs
the 360 held-out digits): Frechet distance 37.9, KID 17.4, precision 0.53, recall
0.83, all 10 classes covered, mode KL 0.056. Inference is the weak part after 990
steps: reconstructions `G(E(x))` of held-out digits keep the input's label for only
20.0% of them (chance: 10%; the AAE reaches 91.9%), mean |x - x_hat| 0.40, and the
codes' std is 0.64 where the prior's is 1. Donahue et al. train for far longer; this
recipe is sized for a 5-minute run. LiteRT float32 reproduces the SavedModel exactly
(0 uint8 levels); `encode` agrees to 1.4e-6.

The discriminator sees (image, code) pairs: real digits with the encoder's codes
`(x, E(x))` against samples with their noise `(G(z), z)`. At the optimum `E` inverts
`G`, so `G(E(x))` redraws the digit `x` was; the zoo measures how often a digit
classifier gives the reconstruction the input's label. The export serves `encode`
(uint8 images to `z`) beside `serving_default`.

Reference: Donahue et al. 2016, https://arxiv.org/abs/1605.09782
"""


def get_config(smoke=False):
    """Returns the training config; `smoke=True` shrinks it to a seconds-long run."""
    config = {
        "model": "bigan",
        "model_kwargs": {"latent_dim": 50, "base_filters": 32, "dropout": 0.2},
        "dataset": "digits",
        "epochs": 45,
        "batch_size": 64,
        "seed": 0,
    }
    if smoke:
        config.update(epochs=1, steps_per_epoch=2, batch_size=8,
                      model_kwargs={"latent_dim": 8, "base_filters": 8})
    return config
