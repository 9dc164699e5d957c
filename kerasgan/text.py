"""Captions: the caption templates of the embedded `digits_captions` dataset, and the
one tokenizer of kerasgan, which makes them character token ids.

`CharacterTokenizer` maps each character of a caption to one id of a vocabulary (ASCII
letters lowercased, characters outside the vocabulary to the unknown id) and pads the
row to a fixed length. The same rules run in numpy (`tokenize`, with checks), in TF
graphs (`tokenize_tensor`: `tf.data` pipelines and SavedModel signatures) and, built
from an export's model card and `vocab.txt` (`CharacterTokenizer.from_card`), in the
verification of `.tflite` files, as a LiteRT client would run them.
"""

import numpy as np
import tensorflow as tf

from kerasgan import validation

#: The character vocabulary of captions, by id: 0 pads, 1 stands for any character
#: outside it, then lowercase letters, digits, space and punctuation. Uppercase ASCII
#: letters read as their lowercase ids. `export` writes it one token per line
#: (`vocab.txt`, line number = id; the space token is a line holding one space).
CAPTION_VOCABULARY = ("<pad>", "<unk>", *"abcdefghijklmnopqrstuvwxyz", *"0123456789",
                      " ", *".,'-!?")
PADDING_ID = 0
UNKNOWN_ID = 1
#: Characters per caption: token ids are padded (or, in the graph, cut) to this length.
MAX_CAPTION_LENGTH = 48

NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                "nine")
#: Caption templates per style. `{word}` is the number word, `{numeral}` the digit and
#: `{a_word}` the word with its article ("an eight"). "plain" captions go with the
#: digits as they are, "thick" ones with stroke-thickened digits (`kerasgan.data.thicken`), so every
#: caption is true of its image. The first plain template is the one class labels map
#: to (`label_caption`).
CAPTION_TEMPLATES = {
    "plain": ("a handwritten {word}", "the digit {numeral}", "the number {word}",
              "a handwritten digit {numeral}", "{a_word}", "a picture of the digit {word}"),
    "thick": ("the digit {numeral} written thickly", "a thick handwritten {word}",
              "{a_word} with thick strokes", "a bold handwritten {numeral}"),
}
CAPTION_STYLES = tuple(CAPTION_TEMPLATES)


def caption(digit, template=0, style="plain"):
    """The caption of `digit` (0-9) from template number `template` of `style`
    (`CAPTION_TEMPLATES`).

    >>> caption(8), caption(7, 1), caption(8, 2, "thick")
    ('a handwritten eight', 'the digit 7', 'an eight with thick strokes')
    """
    validation.check_choice("style", style, CAPTION_STYLES)
    digit = validation.check_int_at_least("digit", digit, 0)
    if digit > 9:
        raise ValueError(f"`digit` must be in [0, 9]. Received: digit={digit!r}")
    templates = CAPTION_TEMPLATES[style]
    if not 0 <= template < len(templates):
        raise ValueError(f"`template` must be in [0, {len(templates)}) for style {style!r}. "
                         f"Received: template={template!r}")
    word = NUMBER_WORDS[digit]
    article = "an" if word[0] in "aeiou" else "a"
    return templates[template].format(word=word, numeral=digit, a_word=f"{article} {word}")


def label_caption(label):
    """The caption a class label stands for: `caption(label)`, e.g. "a handwritten seven"
    (what text-to-image models use when given labels)."""
    return caption(int(label))


def caption_bank():
    """Every caption of every digit, ordered by digit, then style (plain, thick), then
    template: `(texts, digits, thick)` with `texts` a list of str and `digits` (int32)
    and `thick` (bool) numpy arrays. Digit `d`'s captions are rows
    `[d * captions_per_digit, (d + 1) * captions_per_digit)`, its plain ones first."""
    texts, digits, thick = [], [], []
    for digit in range(10):
        for style in CAPTION_STYLES:
            for template in range(len(CAPTION_TEMPLATES[style])):
                texts.append(caption(digit, template, style))
                digits.append(digit)
                thick.append(style == "thick")
    return texts, np.asarray(digits, np.int32), np.asarray(thick, bool)


class CaptionBank:
    """Every caption of `caption_bank` as token ids, and captions of given digits drawn
    from it with TF ops (in `tf.data` pipelines and train steps alike).

    Args:
        tokenizer: The tokenizer of the token ids (`CAPTIONS`).

    Example:

    >>> bank = CaptionBank()
    >>> detokenize(tf.gather(bank.tokens, bank.label_rows([7, 1])))
    ['a handwritten seven', 'a handwritten one']
    """

    def __init__(self, tokenizer=None):
        self.texts, self.digits, self.thick = caption_bank()
        self.tokens = (tokenizer or CAPTIONS)(self.texts)
        #: Captions per digit, plain ones first: digit `d` owns rows
        #: `[d * per_digit, (d + 1) * per_digit)`.
        self.per_digit = len(self.texts) // 10
        self.plain = len(CAPTION_TEMPLATES["plain"])

    def label_rows(self, labels):
        """The rows of the captions class labels stand for (`label_caption`)."""
        return tf.cast(labels, tf.int32) * self.per_digit

    def rows(self, digits, thick, draws):
        """Rows of captions for examples: a template of their digit and style (`thick`
        bool), chosen by `draws` (non-negative ints). int64 tensor."""
        thick_count = self.per_digit - self.plain
        digits = tf.cast(digits, tf.int64)
        draws = tf.cast(draws, tf.int64)
        return tf.where(thick, digits * self.per_digit + self.plain + draws % thick_count,
                        digits * self.per_digit + draws % self.plain)

    def draw(self, labels, seed, styles="plain"):
        """Token ids of a random caption of each digit in `labels` (int32 `[batch]`): a
        plain template (`styles="plain"`) or any (`"any"`), drawn with the stateless
        `seed`."""
        count = self.plain if styles == "plain" else self.per_digit
        draws = tf.random.stateless_uniform(tf.shape(labels), seed, 0, count, dtype=tf.int32)
        rows = tf.cast(labels, tf.int32) * self.per_digit + draws
        return tf.gather(tf.constant(self.tokens), rows)

    def draw_wrong(self, labels, seed, num_classes=10):
        """Mismatching captions: for each label, a caption (any template, plain or thick)
        of a different digit, `(label + k) % num_classes` with `k` uniform in
        `1..num_classes - 1`. Returns `(token_ids, wrong_labels)`."""
        offset_seed, caption_seed = tf.unstack(
            tf.random.experimental.stateless_split(seed, 2))
        offsets = tf.random.stateless_uniform(tf.shape(labels), offset_seed, 1,
                                              num_classes, dtype=tf.int32)
        wrong = (tf.cast(labels, tf.int32) + offsets) % num_classes
        return self.draw(wrong, caption_seed, styles="any"), wrong

    def examples(self):
        """Every template caption, template by template, each over the digits 0-9: the
        first ten are the label captions of 0-9."""
        return [self.texts[digit * self.per_digit + template]
                for template in range(self.per_digit) for digit in range(10)]


def _as_text(text):
    if isinstance(text, bytes):
        return text.decode("utf-8", errors="replace")
    if isinstance(text, np.str_):
        return str(text)
    if not isinstance(text, str):
        raise ValueError(f"Captions must be strings. Received: {text!r} of type "
                         f"{type(text).__name__}")
    return text


class CharacterTokenizer:
    """One token id per character, padded to `max_length`.

    Args:
        vocabulary: Tokens by id; single characters are looked up, longer tokens
            (`<pad>`, `<unk>`) only name their ids.
        max_length: Token ids per caption.
        padding_id: Id that fills a row after its caption.
        unknown_id: Id of characters outside the vocabulary.
        lowercase: `"ascii"`: ASCII letters read as their lowercase tokens; None: as is.

    Example:

    >>> CharacterTokenizer(max_length=8)("Seven%")  # % is not in the vocabulary: unknown
    array([[20,  6, 23,  6, 15,  1,  0,  0]], dtype=int32)
    """

    def __init__(self, vocabulary=CAPTION_VOCABULARY, max_length=MAX_CAPTION_LENGTH,
                 padding_id=PADDING_ID, unknown_id=UNKNOWN_ID, lowercase="ascii"):
        self.vocabulary = tuple(vocabulary)
        self.max_length = validation.check_positive_int("max_length", max_length)
        self.padding_id = int(padding_id)
        self.unknown_id = int(unknown_id)
        self.lowercase = lowercase
        ids = {token: index for index, token in enumerate(self.vocabulary) if len(token) == 1}
        # Code point (ASCII) -> token id, one table for numpy and the TF graph, so both
        # tokenize alike; other characters are looked up by name (numpy only).
        self._codepoint_ids = np.full(128, self.unknown_id, np.int32)
        for character in ids:
            if ord(character) < 128:
                self._codepoint_ids[ord(character)] = ids[character]
                if lowercase == "ascii" and "a" <= character <= "z":
                    self._codepoint_ids[ord(character.upper())] = ids[character]
        self._other_ids = {c: i for c, i in ids.items() if ord(c) >= 128}

    @classmethod
    def from_card(cls, tokenizer, vocabulary):
        """The tokenizer an export's model card describes (`inputs.<text>.tokenizer`),
        over the tokens of its vocabulary file (`export.read_vocabulary`)."""
        return cls(vocabulary, tokenizer["max_length"], tokenizer["padding_id"],
                   tokenizer["unknown_id"], tokenizer.get("lowercase"))

    def card_entry(self, signature, token_input, vocabulary_file):
        """The `tokenizer` entry of a model card's text input: what a LiteRT client
        needs to make `token_input` of `signature` from text with `vocabulary_file`."""
        return {
            "signature": signature, "input": token_input, "vocabulary": vocabulary_file,
            "max_length": self.max_length, "padding_id": self.padding_id,
            "unknown_id": self.unknown_id, "lowercase": self.lowercase,
            "description": "one token per character: ASCII letters lowercased, "
                           "characters not in the vocabulary -> unknown_id, "
                           "padded with padding_id to max_length; a caption has "
                           "1 to max_length characters",
        }

    def __call__(self, texts):
        """Token ids of captions, in numpy, with checks.

        Args:
            texts: A str (or bytes) or a sequence of them.

        Returns:
            int32 numpy array `[num_texts, max_length]`.

        Raises:
            ValueError: for an empty caption or one longer than `max_length`
                characters, naming it.
        """
        if isinstance(texts, (str, bytes)):
            texts = [texts]
        texts = [_as_text(text) for text in np.asarray(texts, dtype=object).reshape(-1)]
        ids = np.full((len(texts), self.max_length), self.padding_id, np.int32)
        for row, text in enumerate(texts):
            if not text:
                raise ValueError(f"A caption must not be empty. Received: text={text!r}")
            if len(text) > self.max_length:
                raise ValueError(f"A caption must have at most {self.max_length} characters. "
                                 f"Received: text={text!r} ({len(text)} characters)")
            for column, character in enumerate(text):
                ids[row, column] = (self._codepoint_ids[ord(character)] if ord(character) < 128
                                    else self._other_ids.get(character, self.unknown_id))
        return ids

    def tensor(self, texts, check=False):
        """Token ids of a string tensor `[n]`, with TF ops only: same ids as calling the
        tokenizer. Longer captions are cut to `max_length`, unless `check`, which adds
        an assertion (InvalidArgumentError when run) that every caption has 1 to
        `max_length` characters.

        Returns:
            int32 tensor `[n, max_length]`.
        """
        if check:
            lengths = caption_lengths(texts)
            assertion = tf.debugging.Assert(
                tf.reduce_all((lengths > 0) & (lengths <= self.max_length)),
                [f"Captions must have 1 to {self.max_length} characters. Received:", texts],
                summarize=8)
            with tf.control_dependencies([assertion]):
                texts = tf.identity(texts)
        codes = tf.strings.unicode_decode(texts, "UTF-8", errors="replace")
        table = tf.constant(self._codepoint_ids)
        unknown = self.unknown_id

        def lookup(values):
            ascii_ids = tf.gather(table, tf.minimum(values, 127))
            return tf.where(values < 128, ascii_ids, unknown)

        ids = tf.ragged.map_flat_values(lookup, codes)
        return ids.to_tensor(default_value=self.padding_id, shape=[None, self.max_length])

    def detokenize(self, ids):
        """The captions of token ids `[n, length]` (padding dropped, unknown characters
        as "?"): a list of str."""
        ids = np.asarray(ids)
        if ids.ndim == 1:
            ids = ids[None]
        return ["".join("?" if i == self.unknown_id else self.vocabulary[i]
                        for i in row if i != self.padding_id) for row in ids]

    def vocabulary_file_contents(self):
        """`vocab.txt` as export writes it: one token per line, line number = id, UTF-8."""
        return ("\n".join(self.vocabulary) + "\n").encode("utf-8")


#: The captions' tokenizer: `CAPTION_VOCABULARY`, `MAX_CAPTION_LENGTH` ids per caption.
CAPTIONS = CharacterTokenizer()


def tokenize(texts, max_length=MAX_CAPTION_LENGTH):
    """Character token ids of captions, in numpy (`CAPTIONS`, or a tokenizer of the same
    vocabulary with another `max_length`): what `tokenize_tensor` does in graphs, with
    checks.

    Example:

    >>> tokenize("Seven%", max_length=8)  # % is not in the vocabulary: unknown (1)
    array([[20,  6, 23,  6, 15,  1,  0,  0]], dtype=int32)
    """
    tokenizer = (CAPTIONS if max_length == MAX_CAPTION_LENGTH
                 else CharacterTokenizer(max_length=max_length))
    return tokenizer(texts)


def tokenize_tensor(texts, max_length=MAX_CAPTION_LENGTH, check=False):
    """Character token ids of a string tensor `[n]`, with TF ops only: in `tf.data`
    pipelines and in SavedModel graphs (`CharacterTokenizer.tensor`)."""
    tokenizer = (CAPTIONS if max_length == MAX_CAPTION_LENGTH
                 else CharacterTokenizer(max_length=max_length))
    return tokenizer.tensor(texts, check=check)


def caption_lengths(texts):
    """Characters (Unicode code points) of each caption of a string tensor `[n]`."""
    return tf.strings.length(texts, unit="UTF8_CHAR")


def detokenize(ids):
    """The captions of token ids `[n, length]` (padding dropped, unknown characters as
    "?"): a list of str. `detokenize(tokenize(text))` gives `text` lowercased."""
    return CAPTIONS.detokenize(ids)


def vocabulary_file_contents():
    """`vocab.txt` as export writes it: one token per line, line number = id, UTF-8."""
    return CAPTIONS.vocabulary_file_contents()
