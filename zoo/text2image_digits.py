"""GAN-INT-CLS on the embedded digits_captions (32x32x1): captions in, digits out.

Command:

    python scripts/train.py --recipe=zoo/text2image_digits.py

Expected time on a 2-core laptop CPU: about 16 minutes (949 s for 1,740 steps, measured
while the two cores also ran another training).
Result (scripts/zoo_report.py): the digits classifier reads 95.4% of the images drawn from
every template caption of every digit as the digit the caption names (97.8% for plain
captions, 91.7% for thick ones; 93.5% with numerals, 96.7% with number words); thick
captions give 1.25x the ink of plain ones (real digits: 1.31x); halfway between two
captions' embeddings the image is read as one of the two digits 79% of the time; D scores
the right caption above a wrong one for 88.5% of real images. 1,000 samples of the label
captions against the held-out digits: Frechet distance 15.6, precision 0.87, recall 0.41.

Each digit comes with captions made from templates ("a handwritten seven", "the digit
7", "the number seven", ...), and a stroke-thickened copy of every third digit with
thick captions ("the digit 7 written thickly", "a bold handwritten 7"), so every
caption is true of its image. A character CNN encodes the caption (trained by the
discriminator's loss), the generator draws from `z` and the projected text embedding,
and the matching-aware discriminator learns to call {real image, caption of another
digit} fake as well as {generated image, its caption} (GAN-CLS), while the generator
also trains on embeddings halfway between two captions (GAN-INT). The zoo measures
`evaluation.text_to_image_metrics`: how often the digits classifier reads the digit a
caption names (`caption_accuracy`), plus the usual distribution metrics of the samples
of the label captions. The export serves strings (`serving_default`: `text`, `z`) and
token ids (`generate_from_tokens`, the `.tflite` files), with the vocabulary in
`vocab.txt`.

Reference: Reed et al. 2016, https://arxiv.org/abs/1605.05396
"""


def get_config(smoke=False):
    """Returns the training config; `smoke=True` shrinks it to a seconds-long run."""
    config = {
        "model": "text2image",
        "model_kwargs": {"latent_dim": 100, "base_filters": 32},
        "dataset": "digits_captions",
        "epochs": 60,
        "batch_size": 64,
        "label_smoothing": 0.1,
        "seed": 0,
    }
    if smoke:
        config.update(epochs=1, steps_per_epoch=2, batch_size=8,
                      model_kwargs={"latent_dim": 16, "base_filters": 8})
    return config
