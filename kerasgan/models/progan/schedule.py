"""ProGAN's training schedule (Karras et al. 2018, Section 2): which resolution and
fade weight each generator step has, and the callback that grows a `ProGAN` on it."""

import keras
from keras import ops

from kerasgan import validation


def schedule_at(step, steps_per_phase, num_stages):
    """`(stage, alpha)` of generator step `step` (a Python int).

    Phase `p = step // steps_per_phase`: phase 0 trains 4x4, then odd phases fade a
    new resolution in and even ones train it stable; after the last fade the model
    stays at full size with `alpha = 1`.

    >>> schedule_at(3, steps_per_phase=2, num_stages=4)  # half-way through fading in 8x8
    (1, 0.5)
    """
    step = validation.check_int_at_least("step", step, 0)
    phase = step // steps_per_phase
    stage = min((phase + 1) // 2, num_stages - 1)
    return stage, float(alpha_at(step, stage, steps_per_phase))


def alpha_at(step, stage, steps_per_phase):
    """The fade weight at `step` for the networks of `stage` (a Python number or a
    tensor): 0 to 1 over the fade-in phase of `stage`, 1 once it is over, and always 1
    at stage 0, which has nothing to fade."""
    if stage == 0:
        return 1.0
    start = (2 * stage - 1) * steps_per_phase
    ramp = ops.cast(step - start, "float32") / float(steps_per_phase)
    return ops.clip(ramp, 0.0, 1.0)


class ProgressiveGrowing(keras.callbacks.Callback):
    """Grows a `ProGAN` on its schedule during `fit`, and sets the fade weight.

    Before every batch (every `steps_per_execution` steps) it reads the generator's
    step counter and, when the schedule's stage differs from the model's, rebuilds
    the networks (`ProGAN.grow_to`; the next train step is traced anew). A resumed
    run restores the counter, so it grows to the right stage before its first step.
    `ProGAN.fit` adds this callback itself.
    """

    def on_train_batch_begin(self, batch, logs=None):
        self.model.follow_schedule()
