"""GAN-INT-CLS's networks (Reed et al. 2016, Section 4.1,
https://arxiv.org/abs/1605.05396): the character-level text encoder, the generator on
`[z, projected text]` and the matching-aware discriminator."""

import keras
from keras import layers

from kerasgan import networks, text


def character_text_encoder(max_length=text.MAX_CAPTION_LENGTH,
                           vocabulary_size=len(text.CAPTION_VOCABULARY), filters=64,
                           embedding_dim=128, character_dim=16, normalize=True,
                           name="text_encoder"):
    """A character-level convolutional text encoder: token ids to a text embedding.

    Character embedding, three width-3 `Conv1D` layers (LeakyReLU(0.2); `filters`,
    `2 * filters`, `2 * filters`), max-over-time pooling, and a linear `Dense` to the
    embedding: each feature says whether some character 7-gram ("seven", "thick") is in
    the caption. A parameter-free layer normalization (`normalize`) then gives every
    embedding zero mean and unit variance over its features, the scale of `z`: trained
    jointly without it, the embeddings stayed about four times smaller than `z` and the
    generator barely used them (the digits classifier read 16% of the samples as their
    caption's digit after 400 steps at the zoo recipe's sizes, against 65% with it).
    Every op is a LiteRT builtin (gather, conv, reduce-max, matmul, mean, rsqrt), so the
    token signature converts to `.tflite`. Reed et al. used a char-CNN-RNN pretrained
    with a joint embedding; this encoder is smaller and trained with the GAN.

    Args:
        max_length: Token ids per caption (`text.MAX_CAPTION_LENGTH`).
        vocabulary_size: Number of token ids (`len(text.CAPTION_VOCABULARY)`).
        filters: Filters of the first convolution.
        embedding_dim: Size of the text embedding.
        character_dim: Size of each character's embedding.
        normalize: End with the parameter-free layer normalization.
        name: Model name.

    Returns:
        A functional `keras.Model` from `token_ids` int32 `[batch, max_length]` to
        float32 `[batch, embedding_dim]`.
    """
    tokens = keras.Input(shape=(max_length,), dtype="int32", name="token_ids")
    x = layers.Embedding(vocabulary_size, character_dim, name="character_embedding")(tokens)
    for i, width in enumerate((filters, 2 * filters, 2 * filters)):
        x = layers.Conv1D(width, 3, padding="same", name=f"conv_{i}")(x)
        x = layers.LeakyReLU(0.2, name=f"leaky_relu_{i}")(x)
    x = layers.GlobalMaxPooling1D(name="max_over_time")(x)
    embedding = layers.Dense(embedding_dim, dtype="float32", name="text_embedding")(x)
    if normalize:
        embedding = layers.LayerNormalization(center=False, scale=False, dtype="float32",
                                              name="embedding_norm")(embedding)
    return keras.Model(tokens, embedding, name=name)


def _text_projection(text, projection_dim):
    # Reed et al., Section 4.1: the text embedding is compressed by a fully connected
    # layer to a small dimension, followed by a leaky ReLU.
    x = layers.Dense(projection_dim, name="text_projection")(text)
    return layers.LeakyReLU(0.2, name="text_projection_leaky_relu")(x)


def text_conditioned_generator(latent_dim, text_embedding_dim, image_shape, base_filters=64,
                               projection_dim=128, name="generator"):
    """The GAN-INT-CLS generator: the DCGAN generator on `[z, projected text]`.

    The text embedding is projected (`Dense` + LeakyReLU(0.2)) and concatenated with `z`
    (Reed et al., Section 4.1); then, as `networks.dcgan_generator`, a projection to
    4x4, strided transposed convolutions with batch norm and ReLU, and `tanh`.

    Returns:
        A functional `keras.Model` from `[z, text_embedding]` to images in [-1, 1].
    """
    z = keras.Input(shape=(latent_dim,), name="z")
    text = keras.Input(shape=(text_embedding_dim,), name="text_embedding")
    x = layers.Concatenate(name="z_and_text")([z, _text_projection(text, projection_dim)])
    return keras.Model([z, text], networks.dcgan_upsampling(x, image_shape, base_filters),
                       name=name)


def matching_aware_discriminator(image_shape, text_embedding_dim, base_filters=64,
                                 projection_dim=128, name="discriminator"):
    """The GAN-CLS discriminator: does this image show this text?

    The DCGAN convolutions bring the image to 4x4; the projected text embedding
    (`Dense` + LeakyReLU(0.2)) is replicated over the 4x4 positions and concatenated
    depth-wise; a 1x1 convolution (batch norm, LeakyReLU) and a dense layer over the 4x4
    map (the paper's final 4x4 convolution) give one logit (Reed et al., Section 4.1).

    Returns:
        A functional `keras.Model` from `[images, text_embedding]` to logits `[batch, 1]`.
    """
    images = keras.Input(shape=image_shape, name="images")
    text = keras.Input(shape=(text_embedding_dim,), name="text_embedding")
    x = networks.dcgan_convolutions(images, image_shape, base_filters)
    side, filters = x.shape[1], x.shape[-1]
    t = layers.Reshape((1, 1, projection_dim), name="text_plane")(
        _text_projection(text, projection_dim))
    t = layers.UpSampling2D(size=(side, side), name="replicate_text")(t)
    x = layers.Concatenate(name="features_and_text")([x, t])
    x = layers.Conv2D(filters, 1, use_bias=False, kernel_initializer=networks.dcgan_initializer(),
                      name="joint_conv")(x)
    x = layers.BatchNormalization(name="joint_batch_norm")(x)
    x = layers.LeakyReLU(0.2, name="joint_leaky_relu")(x)
    x = layers.Flatten(name="flatten")(x)
    logits = layers.Dense(1, kernel_initializer=networks.dcgan_initializer(), name="logits")(x)
    return keras.Model([images, text], logits, name=name)
