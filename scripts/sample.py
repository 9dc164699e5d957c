r"""Draws a PNG grid of samples from an exported generator: no training, no model code.

From the pretrained DCGAN that ships with the repository:

    python scripts/sample.py --export_dir=exported/dcgan_digits --out=grid.png

Only sevens from the conditional GAN, through the int8 LiteRT file a phone would run:

    python scripts/sample.py --export_dir=exported/cgan_digits --format=int8 \
        --label=7 --out=sevens.png

--format=saved_model (default) calls the SavedModel's `sample` signature, which draws
the latents inside the graph; float32, float16 and int8 run the `.tflite` file in the
LiteRT runtime (ai_edge_litert), with latents drawn here as `model_card.json` says.
The artifacts are read with TensorFlow and LiteRT alone: the model classes are never
loaded, which shows the export stands on its own.
"""

import sys

from absl import app, flags

import _cli

FLAGS = flags.FLAGS
flags.DEFINE_string("export_dir", None, "Export directory, e.g. exported/dcgan_digits.")
flags.DEFINE_enum("format", "saved_model", ["saved_model", "float32", "float16", "int8"],
                  "Which artifact draws the samples.")
flags.DEFINE_integer("num_images", 64, "Images in the grid.")
flags.DEFINE_integer("seed", 0, "Latent seed.")
flags.DEFINE_integer("label", None, "Class of every image (conditional models); default: "
                     "classes in turn, one per column.")
flags.DEFINE_integer("columns", None, "Grid columns; default: the number of classes for "
                     "conditional models, else a square.")
flags.DEFINE_string("out", "samples.png", "PNG to write.")
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


def _draw(export_dir, card):
    import numpy as np

    from kerasgan import export

    if FLAGS.format == "saved_model":
        inputs = {"num_images": np.int32(FLAGS.num_images), "seed": np.int32(FLAGS.seed)}
        if card.get("num_classes"):
            inputs["label"] = (np.array([FLAGS.label], np.int32) if FLAGS.label is not None
                               else np.arange(card["num_classes"], dtype=np.int32))
        return export.run_saved_model(export.latest_saved_model(export_dir), inputs,
                                      "sample")["images"]
    paths = export.tflite_paths(export_dir)
    if FLAGS.format not in paths:
        raise FileNotFoundError(f"No {FLAGS.format} .tflite file in {export_dir}; found "
                                f"{sorted(paths) or 'none'}.")
    inputs = export.draw_inputs(export.card_input_distributions(card), FLAGS.num_images,
                                FLAGS.seed, label=FLAGS.label)
    return export.run_tflite(paths[FLAGS.format], inputs)["images"]


def main(argv):
    _cli.start(argv)
    from kerasgan import export, images

    try:
        if FLAGS.num_images < 1:
            raise ValueError(f"--num_images must be positive. Received: {FLAGS.num_images}")
        card = export.load_model_card(FLAGS.export_dir)
        _check_label(card)
        grid_images = _draw(FLAGS.export_dir, card)
    except (ValueError, FileNotFoundError) as error:
        sys.exit(f"sample.py: error: {error}")
    columns = FLAGS.columns
    if columns is None and card.get("num_classes") and FLAGS.label is None:
        columns = card["num_classes"]
    images.write_png(FLAGS.out, images.make_grid(grid_images, columns=columns))
    print(f"Wrote {len(grid_images)} samples from {FLAGS.export_dir} ({FLAGS.format}) "
          f"to {FLAGS.out}")


if __name__ == "__main__":
    app.run(main)
