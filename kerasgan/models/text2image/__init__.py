"""GAN-INT-CLS: text-to-image synthesis with a matching-aware discriminator (GAN-CLS) and
a generator also trained on interpolated text embeddings (GAN-INT).

The family's parts: `networks` (text encoder, generator, matching-aware
discriminator) and `model` (the `Text2Image` train step, sampling from text, export, and
the `text2image` factory). Captions and their tokenizer are in `kerasgan.text`.

Reference:
    Reed, Akata, Yan, Logeswaran, Schiele & Lee, 2016, "Generative Adversarial Text to
    Image Synthesis", ICML 2016. https://arxiv.org/abs/1605.05396
"""

from kerasgan.models.text2image.model import (TOKEN_SIGNATURE, VOCABULARY_FILE, Text2Image,
                                              text2image)
from kerasgan.models.text2image.networks import (character_text_encoder,
                                                 matching_aware_discriminator,
                                                 text_conditioned_generator)

__all__ = ["TOKEN_SIGNATURE", "VOCABULARY_FILE", "Text2Image", "character_text_encoder",
           "matching_aware_discriminator", "text2image", "text_conditioned_generator"]
