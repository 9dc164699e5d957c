"""What a `Text2Image` model exports, as a `ServingSpec`: captions as strings in the
SavedModel, token ids in the `.tflite` files (string ops are no LiteRT builtins) with
the vocabulary beside them, int8 calibration on the template captions, the card's
tokenizer, and the TensorBoard grid of captions.

Export (`kerasgan.export.export_generator`): `serving_default` takes `text` tf.string
`[None]` and `z` float32 `[None, latent_dim]` and returns `images` uint8; `sample`
takes `num_images`, `seed` and `text` (used in turn); `generate_from_tokens` takes
`token_ids` int32 `[None, 48]` and `z`. Only `generate_from_tokens` becomes `.tflite`
files (string ops are no LiteRT builtins), so the export also writes `vocab.txt`,
the character vocabulary (one token per line, line number = id), and the model card
says how to tokenize (`inputs.text.tokenizer`).
"""

import numpy as np
import tensorflow as tf

from kerasgan import text
from kerasgan.images import fit_to_shape, to_uint8

#: The token-id signature: what the `.tflite` files hold (string ops are no LiteRT builtins).
TOKEN_SIGNATURE = "generate_from_tokens"
#: The file of the character vocabulary that export writes beside the `.tflite` files.
VOCABULARY_FILE = "vocab.txt"


def text_inputs(model):
    """The card's `inputs`: `z` standard normal; `text` any caption, with `examples`
    (every template caption) and the `tokenizer` a LiteRT client applies to get the
    token signature's `token_ids`."""
    return {
        "z": {"distribution": "normal", "mean": 0.0, "stddev": 1.0},
        "text": {"distribution": "text", "examples": model.example_captions(),
                 "tokenizer": text.CAPTIONS.card_entry(TOKEN_SIGNATURE, "token_ids",
                                                       VOCABULARY_FILE)},
    }


def text_signatures(model, signatures):
    """`signatures` with `sample` (`num_images`, `seed`, `text` used in turn; returns
    `images`, `images_float` and `z`) and `generate_from_tokens` (`token_ids` int32
    `[None, 48]`, `z`) to `images` uint8 `[None, H, W, C]`."""
    max_length = text.MAX_CAPTION_LENGTH

    def sample(num_images, seed, captions):
        inputs = model.draw_latents(num_images, seed)
        inputs["text"] = tf.gather(captions, tf.range(num_images) % tf.size(captions))
        images = model.generate_from(inputs)
        return {"images": to_uint8(images), "images_float": images, "z": inputs["z"]}

    def from_tokens(token_ids, z):
        inputs = {"token_ids": tf.ensure_shape(token_ids, [None, max_length],
                                               name="token_ids"),
                  "z": tf.ensure_shape(z, [None, model.latent_dim], name="z")}
        return {"images": to_uint8(model.generate_from(inputs))}

    return {**signatures,
            "sample": (sample, [tf.TensorSpec([], tf.int32, name="num_images"),
                                tf.TensorSpec([], tf.int32, name="seed"),
                                *model.condition_specs().values()]),
            TOKEN_SIGNATURE: (from_tokens, [
                tf.TensorSpec([None, max_length], tf.int32, name="token_ids"),
                *model.latent_specs().values()])}


def text_examples(model, num_images, seed=0):
    """`z` drawn with `seed` and `text` the `example_captions` in turn (numpy)."""
    examples = model.example_captions()
    texts = np.array([examples[i % len(examples)] for i in range(num_images)], object)
    return {"z": np.asarray(model.draw_latents(num_images, seed)["z"]), "text": texts}


def token_calibration(model, num_examples=128, seed=1234):
    """int8 calibration of `generate_from_tokens`: the template captions' token ids in
    turn, with standard normal `z`."""
    rng = np.random.default_rng(seed)
    examples = text.tokenize(model.example_captions())
    return [{"token_ids": examples[i % len(examples)][None],
             "z": rng.standard_normal((1, model.latent_dim)).astype(np.float32)}
            for i in range(num_examples)]


def caption_grid(model, num_images, seed=0, examples=None):
    """One row per digit, each with a different caption template (plain and thick): `k`
    samples of the caption from fixed latents, then `k` held-out real images of the
    caption's digit and style; `k = min(4, max(1, num_images // 10))`. The captions go
    to TensorBoard as text, row by row.

    `examples` are the held-out captioned images the caller loaded (the model reads no
    data): uint8 images, int digits and bool `thick`, as `kerasgan.data.caption_arrays
    ("test")` returns them (`callbacks.TensorBoardImages(captions=...)`)."""
    if examples is None:
        raise ValueError("The text-to-image grid shows held-out captioned images: pass "
                         "`examples` (kerasgan.data.caption_arrays('test')). "
                         "Received: examples=None")
    per_row = min(4, max(1, num_images // 10))
    images, labels, thick = (np.asarray(array) for array in examples)
    plain = len(text.CAPTION_TEMPLATES["plain"])
    captions, reals = [], []
    for digit in range(10):
        template = digit % model.captions.per_digit
        style = "plain" if template < plain else "thick"
        captions.append(text.caption(digit, template if template < plain
                                     else template - plain, style))
        chosen = np.flatnonzero((labels == digit) & (thick == (style == "thick")))
        reals.append(images[chosen[:per_row]].astype(np.float32) / 127.5 - 1.0)
    tokens = tf.constant(np.repeat(text.tokenize(captions), per_row, axis=0))
    z = tf.random.stateless_normal((len(tokens), model.latent_dim), seed=[int(seed), 1],
                                   alg="philox")

    def grid_images():
        samples = np.asarray(model.generate_from({"z": z, "token_ids": tokens}))
        samples = samples.reshape((10, per_row, *model.image_shape))
        rows = []
        for row, real in zip(samples, reals):
            # A digit with fewer held-out images than `per_row` gets white slots.
            blank = np.ones((per_row - len(real), *model.image_shape), np.float32)
            rows += [row, fit_to_shape(real, model.image_shape), blank]
        return np.concatenate(rows)

    return {"images": grid_images, "columns": 2 * per_row,
            "text": [f"row {row + 1}: {caption} (left: generated, right: real)"
                     for row, caption in enumerate(captions)]}


def text_spec(model, spec):
    """`spec` (the model's default `ServingSpec`) made a text-to-image model's."""
    return spec.replace(
        signatures=text_signatures(model, spec.signatures),
        networks=(*spec.networks, model.text_encoder),
        inputs=text_inputs(model),
        examples=lambda num_images, seed=0: text_examples(model, num_images, seed),
        # serving_default takes strings, which LiteRT's builtin ops cannot tokenize: a
        # client tokenizes with vocab.txt and runs the token signature.
        tflite_signatures=(TOKEN_SIGNATURE,),
        calibration={TOKEN_SIGNATURE: lambda n, seed: token_calibration(model, n, seed)},
        # The character vocabulary, one token per line, line number = id (line 1
        # `<pad>`, line 2 `<unk>`, the space token a line holding one space).
        files={VOCABULARY_FILE: text.vocabulary_file_contents()},
        details={"text_encoder": "character CNN trained by the discriminator's loss",
                 "interpolation_beta": model.interpolation_beta,
                 "interpolation_weight": model.interpolation_weight},
        grid=lambda num_images, seed=0, examples=None: caption_grid(model, num_images, seed,
                                                                    examples))
