"""InfoGAN on the embedded digits: a 10-way categorical code and 2 continuous codes,
learned without labels.

Command:

    python scripts/train.py --recipe=zoo/infogan_digits.py

Expected time on a 2-core laptop CPU: about 5 minutes unloaded (1,320 steps, about
DCGAN's cost). Measured here: 649 s of training (11 min 11 s for the whole command) on
a 2-core CPU shared with other jobs (load average about 7), 0.49 s/step.
Result (2-core CPU, 2026-11-21): final epoch means d_loss=2.860, g_loss=4.046 (both
include the information term), real_score=0.65, fake_score=0.27,
categorical_code_loss=0.018, code_accuracy=1.00 (Q recovers the categorical code of
the fakes), continuous_code_loss=1.870 (with Q's unit variance, 1.838 is a perfect Q
and 2.171 an uninformed one: the continuous codes are recovered too). The epoch-60
grid shows digit-like samples, blurrier than DCGAN's, some malformed. Mode discovery
is partial: over 100 samples per code value, the digits classifier of
kerasgan.evaluation finds the majority digit code 0 -> 9 (32%), 1 -> 9 (53%),
2 -> 3 (54%), 3 -> 6 (78%), 4 -> 5 (65%), 5 -> 7 (47%), 6 -> 6 (34%), 7 -> 0 (46%),
8 -> 9 (22%), 9 -> 5 (35%): 6 distinct digits, 47% mean purity (10% is chance); the
rest of the digit identity stays in `z`, and the continuous codes change stroke width
and slant only slightly. One tuning try, latent_dim=16 with G at Adam(2e-4), gave
sharper images but moved digit identity wholly into `z` (20% purity: the code
became a style), so the recipe keeps the paper's 62 noise dimensions and learning
rates. LiteRT float32 reproduces the SavedModel exactly (0 uint8 levels); int8 is
within 7 levels.

The training grid (`samples/`, from `TensorBoardImages`) has 8 columns and the code
cycles 0..9 over the 64 images with the continuous codes at 0. To see one code value,
`model.generate(10, code=3, seed=0)` draws ten `z` for code 3; the SavedModel's
`serving_default` with one `z` repeated and `code` 0..9 shows the code alone.

Reference: Chen et al. 2016, https://arxiv.org/abs/1606.03657
"""


def get_config(smoke=False):
    """Returns the training config; `smoke=True` shrinks it to a seconds-long run."""
    config = {
        "model": "infogan",
        "model_kwargs": {"latent_dim": 62, "base_filters": 32},
        "dataset": "digits",
        "epochs": 60,
        "batch_size": 64,
        "label_smoothing": 0.1,
        "seed": 0,
    }
    if smoke:
        config.update(epochs=1, steps_per_epoch=2, batch_size=8,
                      model_kwargs={"latent_dim": 16, "base_filters": 8})
    return config
