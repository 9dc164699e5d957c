"""VAE on the embedded digits (32x32x1): the non-adversarial baseline of the zoo.

Command:

    python scripts/train.py --recipe=zoo/vae_digits.py

Expected time on a 2-core laptop CPU: about 4 minutes alone (3,300 steps; 475 s
measured on a CPU shared with another job).
Result (2-core CPU, 2026-11-21), measured by scripts/zoo_report.py (1,000 samples vs
the 360 held-out digits): Frechet distance 38.7, KID 22.3, precision 0.74, recall
0.84, all 10 classes covered, mode KL 0.077: between DCGAN (35.7) and LSGAN (40.5)
in the zoo table. Reconstructions of held-out digits (posterior mean through the
decoder) keep the label for 98.1% of them (mean |x - x_hat| 0.080). Final negative
ELBO 22.5 (reconstruction 9.1 + KL 13.3 nats). LiteRT float32 reproduces the
SavedModel exactly.

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
