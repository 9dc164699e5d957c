"""The k-critic-steps train step: D updated `critic_steps` times per generator update.

One loop serves every single-discriminator game that differs only in its objective,
its critic constraint and its logs: `gan`, `dcgan`, `lsgan`, `cgan`, `sngan`,
`wgan`, `wgan_gp` and `dragan`. A variant subclasses `CriticStepsModel` and declares

- `objective`: a `kerasgan.losses.Objective` (`losses.get(name, "objective")`);
- `critic_steps`: discriminator updates per generator update;
- `critic_penalty`: None, `"gradient"` (WGAN-GP, Gulrajani et al. 2017) or
  `"dragan"` (Kodali et al. 2017), weighted by `gp_weight`;
- `score_logs`: `"probability"` (D's mean sigmoid on the real and the fake batch,
  `real_score`/`fake_score`), `"output"` (its mean raw output, `real_output`/
  `fake_output`) or None; or `critic_logs(real_outputs, fake_outputs, loss)` for
  other logs of one D step,

and overrides `after_critic_update` (weight clipping) or `generator_loss_value`
(feature matching) only where its algorithm differs.

Each critic step draws fresh noise and reuses the step's real batch (one `fit` batch
is one generator iteration). Random draws, in order per critic step: the latents, the
replay buffer's choice (when on), the penalty's points (when on); then the generator
step's latents.
"""

import tensorflow as tf

from kerasgan import distribute, losses
from kerasgan.models.base import AdversarialModel

CRITIC_PENALTIES = (None, "gradient", "dragan")


class CriticStepsModel(AdversarialModel):
    """An `AdversarialModel` whose `train_step` runs `critic_steps` discriminator
    updates, then one generator update. Not registered: the variants are."""

    objective = losses.get("non_saturating", "objective")
    critic_steps = 1
    critic_penalty = None
    score_logs = None
    #: Logs taken from the last critic step instead of averaged over the steps.
    last_step_logs = ()

    def critic_logs(self, real_outputs, fake_outputs, loss):
        """Extra values to log of one critic step: D's verdicts as `score_logs` says."""
        del loss
        if self.score_logs == "probability":
            return {"real_score": tf.reduce_mean(tf.sigmoid(real_outputs)),
                    "fake_score": tf.reduce_mean(tf.sigmoid(fake_outputs))}
        if self.score_logs == "output":
            return {"real_output": tf.reduce_mean(real_outputs),
                    "fake_output": tf.reduce_mean(fake_outputs)}
        return {}

    def after_critic_update(self):
        """Runs after every discriminator update (WGAN clips its weights here)."""

    def critic_loss(self, real_images, fake_images, labels=None, fake_labels=None):
        """The discriminator's loss on one batch, penalty included, and its logs.

        Returns:
            `(loss, {metric_name: value})`.
        """
        real_outputs = self.discriminator(
            self.discriminator_inputs(real_images, labels), training=True)
        fake_outputs = self.discriminator(
            self.discriminator_inputs(fake_images, fake_labels), training=True)
        loss = self.objective.discriminator_loss(
            real_outputs, fake_outputs, real_target=1.0 - self.label_smoothing)
        logs = self.critic_logs(real_outputs, fake_outputs, loss)
        if self.critic_penalty is None:
            return loss, logs

        def critic_fn(images):
            return self.discriminator(self.discriminator_inputs(images, labels), training=True)

        # A per-replica batch mean, like the loss: `apply_gradients` divides both by the
        # replica count alike.
        seed = distribute.replica_seed(self.noise_seed)
        if self.critic_penalty == "gradient":
            penalty = losses.gradient_penalty(critic_fn, real_images, fake_images,
                                              weight=self.gp_weight, seed=seed)
        else:
            penalty = losses.dragan_penalty(critic_fn, real_images, weight=self.gp_weight,
                                            perturbation_scale=self.perturbation_scale,
                                            seed=seed)
        return loss + penalty, {**logs, "gradient_penalty": penalty}

    def generator_loss_value(self, real_images, fake_images, labels=None):
        """The generator's loss on its fakes: the objective's, on D's outputs."""
        del real_images
        return self.objective.generator(
            self.discriminator(self.discriminator_inputs(fake_images, labels), training=True))

    def fake_batch(self, batch_size, labels=None):
        """Fresh fakes for the discriminator, through the replay buffer when it is on."""
        fake_images = self.generator(
            self.generator_inputs(self.sample_latents(batch_size), labels), training=True)
        return self.replay(fake_images, labels)

    def train_step(self, data):
        real_images, labels = self.unpack(data)
        batch_size = tf.shape(real_images)[0]

        # A Python loop over a fixed count: traced `critic_steps` times, no tensor `if`.
        step_logs = []
        for _ in range(self.critic_steps):
            fake_images, fake_labels = self.fake_batch(batch_size, labels)
            with tf.GradientTape() as tape:
                d_loss, logs = self.critic_loss(real_images, fake_images, labels, fake_labels)
                d_loss = d_loss + self.discriminator_penalty(real_images, labels)
            self.apply_gradients(tape, d_loss, self.discriminator, self.d_optimizer)
            self.after_critic_update()
            step_logs.append({"d_loss": d_loss, **logs})

        with tf.GradientTape() as tape:
            fake_images = self.generator(
                self.generator_inputs(self.sample_latents(batch_size), labels), training=True)
            g_loss = self.generator_loss_value(real_images, fake_images, labels)
        self.apply_gradients(tape, g_loss, self.generator, self.g_optimizer)

        means = {key: step_logs[-1][key] if key in self.last_step_logs
                 else tf.add_n([logs[key] for logs in step_logs]) / self.critic_steps
                 for key in step_logs[0]}
        return self.update_metrics(g_loss=g_loss, **means)
