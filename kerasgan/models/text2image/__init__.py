"""GAN-INT-CLS: text-to-image synthesis with a matching-aware discriminator (GAN-CLS) and
a generator also trained on interpolated text embeddings (GAN-INT).

The family's parts: `networks` (text encoder, generator, matching-aware
discriminator) and `model` (the `Text2Image` train step, sampling from text, export, and
the `text2image` factory). Captions and their tokenizer are in `kerasgan.text`.

The text encoder is trained jointly, by the discriminator's loss (it is in D's
player, `player_networks()`): the matching-aware terms are what pull captions of
different digits apart, since D must tell a right text from a wrong one. G treats
the embedding as a given input (its gradient stops there); trained by G's loss, the
encoder could instead blur the captions together, making mismatches invisible to D,
which lowers G's loss without better images. What differs from the paper: the
encoder is a character CNN trained with the GAN, not a char-CNN-RNN pretrained with
a structured joint embedding, and its embeddings are layer-normalized to the scale
of `z` (`character_text_encoder`); the images are 32x32 digits, not 64x64 birds and
flowers.

Reference:
    Reed, Akata, Yan, Logeswaran, Schiele & Lee, 2016, "Generative Adversarial Text to
    Image Synthesis", ICML 2016. https://arxiv.org/abs/1605.05396
"""

from kerasgan.models.text2image.model import Text2Image, text2image
from kerasgan.models.text2image.networks import (character_text_encoder,
                                                 matching_aware_discriminator,
                                                 text_conditioned_generator)
from kerasgan.models.text2image.serving import TOKEN_SIGNATURE, VOCABULARY_FILE

__all__ = ["TOKEN_SIGNATURE", "VOCABULARY_FILE", "Text2Image", "character_text_encoder",
           "matching_aware_discriminator", "text2image", "text_conditioned_generator"]
