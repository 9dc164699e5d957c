r"""Draws a PNG grid of samples from an exported generator: no training, no model code.

From the pretrained DCGAN that ships with the repository (writes
runs/samples/dcgan_digits.png, and says so):

    python scripts/sample.py --export_dir=exported/dcgan_digits

Only sevens from the conditional GAN, through the int8 LiteRT file a phone would run
(naming the file, as here, picks its --format):

    python scripts/sample.py --export_dir=exported/cgan_digits/cgan_digits.int8.tflite \
        --label=7 --out=runs/samples/sevens.png

--format=saved_model (default) calls the SavedModel's `sample` signature, which draws
the latents inside the graph; float32, float16 and int8 run the `.tflite` file in the
LiteRT runtime (ai_edge_litert), with latents drawn here as `model_card.json` says.
The artifacts are read with TensorFlow and LiteRT alone: the model classes are never
loaded, which shows the export stands on its own.

Image-to-image exports (pix2pix, SRGAN, ...) translate images instead: by default
--num_images held-out sources of the pair dataset they trained on, shown as (source,
translation, target) triplets, or your own sources with --inputs (a `.npy` uint8 array
`[N, H, W, C]`, a PNG, or a directory of PNGs, at the export's source size), shown as
(source, translation) pairs:

    python scripts/sample.py --export_dir=runs/pix2pix/export --format=float16 \
        --num_images=16 --out=runs/samples/translations.png

Text-to-image exports (text2image) draw from captions, used in turn (default: one
caption per digit from the model card's examples); the `.tflite` files run on token ids
made with the export's `vocab.txt`:

    python scripts/sample.py --export_dir=runs/text2image/export --format=float32 \
        --text="the digit 7 written thickly" --text="a handwritten two" \
        --out=runs/samples/captions.png

--export_dir takes the export directory or one of its `.tflite` files. Without --out
the grid goes to runs/samples/<export name>.png (`<export name>.<format>.png` for a
`.tflite` format); runs/ is git-ignored.
"""

import os
import sys

from absl import app, flags

import _cli

FLAGS = flags.FLAGS
flags.DEFINE_string("export_dir", None, "Export directory, e.g. exported/dcgan_digits, or "
                    "one of its .tflite files (which sets --format).")
flags.DEFINE_enum("format", "saved_model", ["saved_model", "float32", "float16", "int8"],
                  "Which artifact draws the samples.")
flags.DEFINE_integer("num_images", 64, "Images in the grid.")
flags.DEFINE_integer("seed", 0, "Latent seed.")
flags.DEFINE_integer("label", None, "Class of every image (conditional models); default: "
                     "classes in turn, one per column.")
flags.DEFINE_integer("columns", None, "Grid columns; default: the number of classes for "
                     "conditional models, else a square.")
flags.DEFINE_string("inputs", None, "Image-to-image exports: source images to translate, "
                    "a .npy uint8 [N, H, W, C] array, a PNG or a directory of PNGs; default: "
                    "held-out sources of the dataset the model trained on.")
flags.DEFINE_multi_string("text", None, "Text-to-image exports: a caption (repeatable), "
                          "used in turn; default: one example caption per class.")
flags.DEFINE_string("out", None, "PNG to write; default runs/samples/<export name>.png "
                    "(<export name>.<format>.png for a .tflite format).")
flags.mark_flag_as_required("export_dir")


def _check_label(card):
    if FLAGS.label is None:
        return
    num_classes = card.get("num_classes")
    if not num_classes:
        raise ValueError(f"{card['name']} is unconditional and takes no --label "
                         f"(received --label={FLAGS.label}).")
    if not 0 <= FLAGS.label < num_classes:
        raise ValueError(f"--label must be in [0, {num_classes}). Received: --label={FLAGS.label}")


def _text_input(card):
    """The name of the export's caption input (text2image's `text`), or None."""
    return next((key for key, entry in card["inputs"].items()
                 if entry["distribution"] == "text"), None)


def _captions(card):
    """The --text captions, or one example caption per class from the card."""
    if FLAGS.label is not None:
        raise ValueError(f"{card['name']} draws from captions: pass --text instead of "
                         f"--label (received --label={FLAGS.label}).")
    entry = card["inputs"][_text_input(card)]
    max_length = entry.get("tokenizer", {}).get("max_length", float("inf"))
    for text in FLAGS.text or []:
        if not 0 < len(text) <= max_length:
            raise ValueError(f"A caption must have 1 to {max_length} characters. "
                             f"Received: --text={text!r}")
    return FLAGS.text or entry["examples"][:card.get("num_classes") or len(entry["examples"])]


def _draw(export_dir, card):
    import numpy as np

    from kerasgan import export

    text_key = _text_input(card)
    if text_key:
        captions = np.array(_captions(card), object)
    if FLAGS.format == "saved_model":
        inputs = {"num_images": np.int32(FLAGS.num_images), "seed": np.int32(FLAGS.seed)}
        if text_key:
            inputs[text_key] = captions
        elif card.get("num_classes"):
            inputs["label"] = (np.array([FLAGS.label], np.int32) if FLAGS.label is not None
                               else np.arange(card["num_classes"], dtype=np.int32))
        return export.run_saved_model(export.latest_saved_model(export_dir), inputs,
                                      "sample")["images"]
    inputs = export.draw_inputs(export.card_input_distributions(card), FLAGS.num_images,
                                FLAGS.seed, label=None if text_key else FLAGS.label)
    signature = export.TFLITE_SIGNATURE
    if text_key:
        # The .tflite files take token ids: tokenize as the card says, with vocab.txt.
        inputs[text_key] = captions[np.arange(FLAGS.num_images) % len(captions)]
        signature, inputs = export.litert_inputs(card, export_dir, inputs)
    paths = export.tflite_paths(export_dir, signature)
    if FLAGS.format not in paths:
        raise FileNotFoundError(f"No {FLAGS.format} .tflite file in {export_dir}; found "
                                f"{sorted(paths) or 'none'}.")
    return export.run_tflite(paths[FLAGS.format], inputs, signature)["images"]


def _is_image_to_image(card):
    """Whether the export's `serving_default` takes source images."""
    return "images" in card["saved_model"]["signatures"]["serving_default"]["inputs"]


def _read_sources(path, shape):
    """uint8 `[N, *shape]` source images from a `.npy` file, a PNG or a directory of PNGs."""
    import numpy as np
    import tensorflow as tf

    if not os.path.exists(path):
        raise FileNotFoundError(f"--inputs not found. Received: --inputs={path}")
    if path.endswith(".npy"):
        sources = np.load(path)
    else:
        files = ([os.path.join(path, f) for f in sorted(os.listdir(path)) if f.endswith(".png")]
                 if os.path.isdir(path) else [path])
        if not files:
            raise FileNotFoundError(f"No .png files in --inputs={path}")
        try:
            sources = np.stack([tf.io.decode_png(tf.io.read_file(f), channels=shape[-1]).numpy()
                                for f in files])
        except (tf.errors.InvalidArgumentError, ValueError) as error:
            raise ValueError(f"--inputs={path} holds PNGs that cannot be read or differ in "
                             f"size: {' '.join(str(error).split())[:200]}") from error
    if sources.dtype != np.uint8 or sources.ndim != 4 or tuple(sources.shape[1:]) != shape:
        raise ValueError(f"--inputs must be uint8 images of shape [N, {', '.join(map(str, shape))}] "
                         f"(the export's sources). Received: {sources.dtype} images of shape "
                         f"{sources.shape} from --inputs={path}")
    return sources


def _translate(export_dir, card):
    """(grid images, columns) of an image-to-image export: source, translation (and
    target) side by side."""
    import numpy as np

    from kerasgan import data, export, images, registry

    if FLAGS.label is not None:
        raise ValueError(f"{card['name']} translates images and takes no --label "
                         f"(received --label={FLAGS.label}).")
    if FLAGS.format == "int8":
        raise FileNotFoundError(f"Image-to-image exports have no int8 .tflite file: "
                                f"{card.get('skipped_formats', {}).get('int8', '')[:120]}")
    translator = export.ExportedTranslator(export_dir, format=FLAGS.format)
    if FLAGS.inputs:
        sources = _read_sources(FLAGS.inputs, translator.source_shape)[:FLAGS.num_images]
        targets = None
    else:
        dataset = (card.get("training", {}).get("config", {}).get("dataset")
                   or registry.default_dataset(card["registry_name"]))
        sources, targets = data.load_pair_arrays(dataset, "test", limit=FLAGS.num_images,
                                                 image_size=translator.image_shape[0])
    outputs = translator.translate(sources)
    columns = [images.fit_to_shape(np.asarray(images.from_uint8(sources))
                                   if sources.dtype == np.uint8 else sources,
                                   outputs.shape[1:]), outputs]
    if targets is not None:
        columns.append(np.asarray(targets, np.float32))
    per_row = 4 if len(columns) == 3 else 6
    return (np.stack(columns, axis=1).reshape((-1, *outputs.shape[1:])),
            len(columns) * min(per_row, len(outputs)))


def _locate():
    """The export directory, and --format set from a `.tflite` path in --export_dir."""
    from kerasgan import export

    export_dir, fmt = export.locate_export(FLAGS.export_dir)
    if fmt and FLAGS["format"].present and FLAGS.format != fmt:
        raise ValueError(f"--export_dir={FLAGS.export_dir} is the {fmt} .tflite file, but "
                         f"--format={FLAGS.format}: drop --format, or pass the export "
                         f"directory {export_dir} with it.")
    FLAGS.format = fmt or FLAGS.format
    return export_dir


def _default_out(card):
    """runs/samples/<export name>.png: git-ignored, one file per export and format."""
    suffix = "" if FLAGS.format == "saved_model" else f".{FLAGS.format}"
    return os.path.join("runs", "samples", f"{card['name']}{suffix}.png")


def _grid(export_dir, card):
    """`(grid image, number of images, what they are)`."""
    from kerasgan import images

    columns = FLAGS.columns
    if _is_image_to_image(card):
        grid_images, side_by_side = _translate(export_dir, card)
        columns = columns or side_by_side
        what = "images side by side (source, translation, target)"
    else:
        _check_label(card)
        grid_images = _draw(export_dir, card)
        what = "samples"
    if columns is None and _text_input(card):
        columns = min(len(_captions(card)), len(grid_images))  # one caption per column
    elif columns is None and card.get("num_classes") and FLAGS.label is None:
        columns = card["num_classes"]
    return images.make_grid(grid_images, columns=columns), len(grid_images), what


def main(argv):
    _cli.start(argv)
    from kerasgan import export, images

    try:
        if FLAGS.num_images < 1:
            raise ValueError(f"--num_images must be positive. Received: {FLAGS.num_images}")
        export_dir = _locate()
        card = export.load_model_card(export_dir)
        grid, count, what = _grid(export_dir, card)
        out = FLAGS.out or _default_out(card)
        images.write_png(out, grid)
    except (ValueError, OSError) as error:  # OSError: missing, unreadable, not a directory
        sys.exit(f"sample.py: error: {' '.join(str(error).split())}")
    print(f"Wrote {count} {what} from {export_dir} ({FLAGS.format}) to {out}")


if __name__ == "__main__":
    app.run(main)
