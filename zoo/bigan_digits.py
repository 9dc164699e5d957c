"""BiGAN on the embedded digits (32x32x1): a GAN that learns an encoder too.

Command:

    python scripts/train.py --recipe=zoo/bigan_digits.py

Expected time on a 2-core laptop CPU: about TIME.
Result: to be measured by scripts/zoo_report.py.

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
