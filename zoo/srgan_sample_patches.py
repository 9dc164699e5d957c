"""SRGAN x4 on the embedded sample_patches pairs: 24x24x3 photo patches in, 96x96x3 out.

Command:

    python scripts/train.py --recipe=zoo/srgan_sample_patches.py

Expected time on a 2-core laptop CPU: about 15 minutes (869 s for 192 steps, measured
while the two cores also ran tests and other training).
Result (scripts/zoo_report.py, 512 held-out patch pairs): PSNR 23.7 dB / SSIM 0.530
against the targets, where bicubic upsampling gets 35.4 dB / 0.785. 192 steps from
scratch are far too few for the paper's generator, which the paper starts from an
SRResNet trained for 10^6 steps. Measured alternatives, one epoch (32 steps) each with
`scripts/train.py` + `scripts/evaluate.py`: `upsampled_skip=True` (a residual on
bilinear upsampling, which alone scores 35.06 / 0.773) 27.4 / 0.546, since Adam at
lr 1e-3 and the discriminator-feature content term pull G off its bilinear start; with
it, `content_loss="mse"` and `g_learning_rate=1e-5`, 34.88 / 0.772. None of them beat
bicubic in this budget; the PSNR is the mean over pairs, and most held-out patches are
nearly flat (bicubic's median is 46.9 dB).

The pairs are random 96x96 patches of scikit-learn's two bundled photos (china.jpg,
flower.jpg; training patches from the left 80% of each photo, held-out ones from the
right 20%) and their 4x area-downsampled 24x24 versions (`kerasgan.data.sample_patches`).
The generator is the paper's SRResNet at CPU size (4 residual blocks of 16 channels
instead of 16 of 64, two sub-pixel x2 upsampling blocks), the discriminator the
paper's VGG-style stack at the same width. The generator loss is the content loss plus
1e-3 times the adversarial loss. `content_loss="auto"` uses the paper's VGG54 loss when
Keras' cached VGG19 ImageNet weights are present, and otherwise (no network here) D's
last-block feature matching plus pixel MSE; the choice is the model's `content_loss`
and the export's model card `details`. Learning rates are 10x the paper's 1e-4 for the
generator, which starts from scratch (the paper starts SRGAN from a trained SRResNet).
The zoo measures the held-out pairs: PSNR / SSIM of the uint8 outputs against the
targets next to bicubic upsampling's (`kerasgan.evaluation.super_resolution_metrics`),
and the translation metrics. The export serves uint8 24x24 patches to uint8 96x96
(`serving_default`), float32 and float16 `.tflite` (DEPTH_TO_SPACE and PRELU builtins).

Reference: Ledig et al. 2016, https://arxiv.org/abs/1609.04802
"""


def get_config(smoke=False):
    """Returns the training config; `smoke=True` shrinks it to a seconds-long run."""
    config = {
        "model": "srgan",
        "model_kwargs": {"base_filters": 16, "num_residual_blocks": 4,
                         "content_loss": "auto", "adversarial_weight": 1e-3},
        "dataset": "sample_patches",
        "epochs": 6,
        "batch_size": 16,
        "g_learning_rate": 1e-3,
        "d_learning_rate": 1e-4,
        "seed": 0,
    }
    if smoke:
        config.update(epochs=1, steps_per_epoch=2, batch_size=8,
                      model_kwargs={"base_filters": 4, "num_residual_blocks": 1,
                                    "content_loss": "auto", "adversarial_weight": 1e-3})
    return config
