"""VAE on the embedded digits (32x32x1): the non-adversarial baseline of the zoo.

Command:

    python scripts/train.py --recipe=zoo/vae_digits.py

Expected time on a 2-core laptop CPU: about TIME (STEPS steps, SPS s/step with XLA).
Result: to be measured by scripts/zoo_report.py.

The samples are `z ~ N(0, I)` through the decoder, blurrier than a GAN's (the
Gaussian decoder's mean is an average of the digits a posterior region covers) but
covering every class. The export serves `encode` too: uint8 images to the posterior
mean `z`.

Reference: Kingma & Welling 2014, https://arxiv.org/abs/1312.6114
"""


def get_config(smoke=False):
    """Returns the training config; `smoke=True` shrinks it to a seconds-long run."""
    config = {
        "model": "vae",
        "model_kwargs": {"latent_dim": 16, "base_filters": 32, "reconstruction_stddev": 1.0},
        "dataset": "digits",
        "epochs": 150,
        "batch_size": 64,
        "seed": 0,
    }
    if smoke:
        config.update(epochs=1, steps_per_epoch=2, batch_size=8,
                      model_kwargs={"latent_dim": 8, "base_filters": 8})
    return config
