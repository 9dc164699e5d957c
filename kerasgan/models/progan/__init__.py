"""ProGAN: progressive growing of GANs, from 4x4 up to the image size.

The family's parts: `layers` (fade-in, upsampling, clipping), `networks` (every
block of every resolution and the networks of one stage), `schedule` (which stage
and fade weight a step has, and the `ProgressiveGrowing` callback) and `model` (the
`ProGAN` train step and the `progan` factory).

Both networks start at 4x4 and grow by one resolution at a time on a fixed
schedule; each new block fades in while the previous output is blended out. The
networks use the equalized learning rate, pixelwise feature normalization in the
generator and a minibatch standard-deviation layer at the end of the
discriminator, trained with the WGAN-GP loss plus a small drift term.

How growth fits Keras here:

- Every layer of every resolution is created and built with the model and kept in
  its `blocks` attribute, so the set of variables (and the path each one is saved
  under, in `.keras` files and in `keras.callbacks.BackupAndRestore`'s weight files)
  never changes with the stage.
- `generator` and `discriminator` are functional models rebuilt from those same
  layers at each growth: at stage `s` they hold the blocks of resolutions
  `4 .. 4 * 2**s` only. The generator always returns `image_shape` images (the
  current resolution, nearest-upsampled) and the discriminator always takes them
  (average-pooled to the current resolution first), so `generate`, export and the
  TensorBoard grids work at every stage.
- The schedule is a function of the generator's step counter
  (`g_optimizer.iterations`), which checkpoints restore: the `ProgressiveGrowing`
  callback, which `fit` adds, grows the model when the counter reaches a new stage,
  and loading weights grows it to the stage of the restored counter, so a resumed
  run continues with the architecture it had.

Reference:
    Karras, Aila, Laine & Lehtinen, 2018, "Progressive Growing of GANs for Improved
    Quality, Stability, and Variation", ICLR. https://arxiv.org/abs/1710.10196
"""

from kerasgan.models.progan.layers import ClipOutsideTraining, FadeIn, NearestUpSampling2D
from kerasgan.models.progan.model import ProGAN, progan
from kerasgan.models.progan.schedule import ProgressiveGrowing

__all__ = ["ClipOutsideTraining", "FadeIn", "NearestUpSampling2D", "ProGAN",
           "ProgressiveGrowing", "progan"]
