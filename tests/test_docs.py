"""The README and docs/ stay true: measured numbers come from results files, every
Python example runs, every relative link resolves, and the README stays a front page.

- Tables between `<!-- results:NAME -->` and `<!-- /results -->` are generated here from
  `zoo/results.json` and the shipped model cards (`TABLES`); `python tests/test_docs.py`
  rewrites them after `scripts/zoo_report.py` has measured again.
- Numbers in the text are listed in `INLINE` with the field they come from.
- Measurements with no results file behind them sit between
  `<!-- measured: DATE, MACHINE; COMMAND -->` and `<!-- /measured -->`.
- A ```python block runs in a fresh working directory holding copies of the shipped
  exports and a small image folder, with `epochs=N` cut to one epoch of two steps; a
  block that cannot run here is preceded by `<!-- skip-test: reason -->`.
"""

import functools
import json
import pathlib
import re
import shutil
import sys

import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
DOC_FILES = ["README.md"] + sorted(
    str(path.relative_to(REPO_ROOT)) for path in (REPO_ROOT / "docs").glob("*.md"))
RESULTS_FILE = "zoo/results.json"
SHIPPED_EXPORTS = ("dcgan_digits", "cgan_digits")
README_MAX_LINES = 200
README_COMMANDS = (
    "pip install -e . && python scripts/train.py --recipe=zoo/dcgan_digits.py",
    'pip install -e ".[test]" && python -m pytest',
)


def _read(relative):
    return (REPO_ROOT / relative).read_text()


@functools.lru_cache(maxsize=None)
def _results():
    return json.loads(_read(RESULTS_FILE))


def _lookup(tree, dotted):
    for key in dotted.split("."):
        tree = tree[key]
    return tree


def _normalize(text):
    return re.sub(r"\s+", " ", text)


def _strip_code(text):
    """The text without fenced code blocks (their lines become empty)."""
    return re.sub(r"^```.*?^```", lambda m: "\n" * m.group(0).count("\n"), text,
                  flags=re.S | re.M)


# Generated tables ---------------------------------------------------------------------

FLOOR = "real_train_split"
# Recipes measured on what their input is for (translations, captions), not in the
# sample-quality table but in evaluation.md's list below it.
_OTHER_INPUTS = ("translation_l1", "cycle_l1", "caption_accuracy")
_ROW_NOTES = {FLOOR: "real train split (the floor)", "vae_digits": "`vae_digits` (not a GAN: the baseline)"}


def _f(value, digits=2):
    return "-" if value is None else f"{value:.{digits}f}"


def zoo_table(results):
    """The sample-quality table of evaluation.md's Zoo results, best first."""
    names = sorted((name for name, row in results.items() if name != FLOOR
                    and not any(key in row["metrics"] for key in _OTHER_INPUTS)),
                   key=lambda name: results[name]["metrics"]["frechet_distance"])
    lines = ["| recipe | Frechet distance | KID | precision | recall | modes covered "
             "| label accuracy | steps |", "|---|---|---|---|---|---|---|---|"]
    for name in [FLOOR] + names:
        row, m = results[name], results[name]["metrics"]
        steps = f"{row['steps']:,}" if "steps" in row else "-"
        lines.append(
            f"| {_ROW_NOTES.get(name, f'`{name}`')} | {_f(m['frechet_distance'])} | "
            f"{_f(m['kernel_distance'], 1)} | {_f(m['precision'])} | {_f(m['recall'])} | "
            f"{m['modes_covered']} | {_f(m.get('label_accuracy'))} | {steps} |")
    return "\n".join(lines)


def evaluate_table(results):
    """What `scripts/evaluate.py` prints for the floor and the shipped DCGAN."""
    lines = ["| samples | frechet_distance | kernel_distance | precision | recall "
             "| classifier_score | modes_covered |", "|---|---|---|---|---|---|---|"]
    rows = ((FLOOR, "real train split (the floor)"),
            ("dcgan_digits", "DCGAN after `zoo/dcgan_digits.py` (60 epochs)"))
    for name, label in rows:
        m = results[name]["metrics"]
        lines.append(
            f"| {label} | {_f(m['frechet_distance'])} | {_f(m['kernel_distance'])} +- "
            f"{_f(m['kernel_distance_std'])} | {_f(m['precision'], 3)} | "
            f"{_f(m['recall'], 3)} | {_f(m['classifier_score'])} | {m['modes_covered']} |")
    return "\n".join(lines)


def export_table(results):
    """`verify`'s numbers for the shipped exports, from their model cards."""
    del results  # the cards hold the SavedModel's numbers too
    lines = ["| export | artifact | size | max / mean diff (uint8 levels) | batch-1 latency |",
             "|---|---|---|---|---|"]
    kinds = (("1/", "`1/` SavedModel"), ("{}.tflite", "`.tflite` float32"),
             ("{}.fp16.tflite", "`.fp16.tflite`"), ("{}.int8.tflite", "`.int8.tflite`"))
    for name in SHIPPED_EXPORTS:
        card = json.loads(_read(f"exported/{name}/model_card.json"))
        artifacts = card["verification"]["artifacts"]
        for i, (file, label) in enumerate(kinds):
            entry = artifacts[file.format(name)]
            diff = ("reference" if file == "1/" else
                    f"{entry['max_abs_diff']} / {entry['mean_abs_diff']:.3f}")
            lines.append(f"| {f'`{name}`' if i == 0 else ''} | {label} | "
                         f"{entry['bytes'] / 1e6:.2f} MB | {diff} | "
                         f"{entry['latency_ms']:.2f} ms |")
    return "\n".join(lines)


TABLES = {"zoo-table": zoo_table, "evaluate-table": evaluate_table,
          "export-table": export_table}
_REGION = re.compile(r"(<!-- results:([\w-]+) -->\n)(.*?)(<!-- /results -->)", re.S)
_MEASURED = re.compile(r"<!-- measured: (.*?) -->\n(.*?)<!-- /measured -->", re.S)


def regenerate(text):
    """`text` with every results table rebuilt from the results files."""
    def table(match):
        return match.group(1) + TABLES[match.group(2)](_results()) + "\n" + match.group(4)
    return _REGION.sub(table, text)


@pytest.mark.parametrize("doc", DOC_FILES)
def test_generated_tables_match_their_results_files(doc):
    text = _read(doc)
    unknown = {match.group(2) for match in _REGION.finditer(text)} - set(TABLES)
    assert not unknown, f"{doc}: no generator for results tables {sorted(unknown)}"
    assert regenerate(text) == text, (
        f"{doc}: a results table differs from {RESULTS_FILE} or the model cards; "
        "run `python tests/test_docs.py` to rewrite it")


def test_every_table_generator_is_used():
    used = {m.group(2) for doc in DOC_FILES for m in _REGION.finditer(_read(doc))}
    assert used == set(TABLES)


# Numbers in the text --------------------------------------------------------------------

def _num_models():
    import kerasgan

    return len(kerasgan.list_models())


def _classifier():
    import keras

    return keras.models.load_model(REPO_ROOT / "kerasgan/assets/digits_classifier.keras")


def _classifier_accuracy():
    import numpy as np

    import kerasgan

    images, labels = kerasgan.data.load_arrays("digits", "test")
    logits = _classifier().predict(images, verbose=0)
    logits = logits["logits"] if isinstance(logits, dict) else logits
    logits = logits[-1] if isinstance(logits, (list, tuple)) else logits
    return float(np.mean(np.argmax(logits, axis=-1) == labels))


def _classifier_kib():
    return (REPO_ROOT / "kerasgan/assets/digits_classifier.keras").stat().st_size / 1024


def _classifier_thousand_weights():
    return _classifier().count_params() / 1000


def _recipe_epochs():
    import importlib.util

    spec = importlib.util.spec_from_file_location("recipe", REPO_ROOT / "zoo/dcgan_digits.py")
    recipe = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(recipe)
    return recipe.get_config()["epochs"]


COMPUTED = {"num_models": _num_models, "classifier_accuracy": _classifier_accuracy,
            "classifier_kib": _classifier_kib,
            "classifier_thousand_weights": _classifier_thousand_weights,
            "recipe_epochs": _recipe_epochs}

# (doc, phrase with {} for the number, source, format). Sources: a dotted path into
# zoo/results.json, "computed:<name>" (measured here, see COMPUTED), or "file:<path>"
# for a phrase with no number slot that the file must contain too (a recipe's docstring).
INLINE = [
    ("README.md", "{} models", "computed:num_models", "d"),
    ("README.md", "about 5 minutes", "file:zoo/dcgan_digits.py", None),
    ("README.md", "4 min 47 s", "file:zoo/dcgan_digits.py", None),
    ("README.md", "`zoo/results.json`: {} s of training", "dcgan_digits.train_seconds", ".0f"),
    ("README.md", "epoch N of {}", "computed:recipe_epochs", "d"),
    ("README.md", "DCGAN reaches a Frechet distance of {}", "dcgan_digits.metrics.frechet_distance", ".1f"),
    ("README.md", "(real images: {})", "real_train_split.metrics.frechet_distance", ".1f"),
    ("README.md", "`cgan_digits`, {}", "cgan_digits.metrics.frechet_distance", ".1f"),
    ("docs/evaluation.md", "{} accuracy on the 360", "computed:classifier_accuracy", ".1%"),
    ("docs/evaluation.md", "digits_classifier.keras`, {} KiB", "computed:classifier_kib", ".0f"),
    ("docs/evaluation.md", "a {}k-weight CNN", "computed:classifier_thousand_weights", ".0f"),
    ("docs/evaluation.md", "{} of them with `aae_digits`", "aae_digits.metrics.reconstruction_accuracy", ".1%"),
    ("docs/evaluation.md", "{} with `vae_digits`", "vae_digits.metrics.reconstruction_accuracy", ".1%"),
    ("docs/evaluation.md", "{} with `bigan_digits`", "bigan_digits.metrics.reconstruction_accuracy", ".1%"),
    ("docs/evaluation.md", "(edge maps -> digits, {} steps)", "pix2pix_digits.steps", ","),
    ("docs/evaluation.md", "translation L1 {};", "pix2pix_digits.metrics.translation_l1", ".3f"),
    ("docs/evaluation.md", "translations to their targets {};", "pix2pix_digits.metrics.frechet_distance", ".2f"),
    ("docs/evaluation.md", "reads {} of translations", "pix2pix_digits.metrics.class_agreement", ".1%"),
    ("docs/evaluation.md", "(digits <-> thick digits, unpaired, {} steps)", "cyclegan_digits.steps", ","),
    ("docs/evaluation.md", "cycle L1 {} (A -> B -> A)", "cyclegan_digits.metrics.cycle_l1_a", ".3f"),
    ("docs/evaluation.md", "/ {} (B -> A -> B)", "cyclegan_digits.metrics.cycle_l1_b", ".3f"),
    ("docs/evaluation.md", "label kept by {} of G(a)", "cyclegan_digits.metrics.label_agreement_a_to_b", ".1%"),
    ("docs/evaluation.md", "and {} of F(b)", "cyclegan_digits.metrics.label_agreement_b_to_a", ".1%"),
    ("docs/evaluation.md", "held-out thick digits {}.", "cyclegan_digits.metrics.frechet_distance", ".1f"),
    ("docs/evaluation.md", "(24x24 -> 96x96 photo patches, {} steps)", "srgan_sample_patches.steps", ","),
    ("docs/evaluation.md", "PSNR {} dB", "srgan_sample_patches.metrics.psnr", ".1f"),
    ("docs/evaluation.md", "SSIM {} against", "srgan_sample_patches.metrics.ssim", ".3f"),
    ("docs/evaluation.md", "bicubic upsampling gets {} dB", "srgan_sample_patches.metrics.bicubic_psnr", ".1f"),
    ("docs/evaluation.md", "dB / {}: training", "srgan_sample_patches.metrics.bicubic_ssim", ".3f"),
    ("docs/evaluation.md", "(captions -> digits, {} steps)", "text2image_digits.steps", ","),
    ("docs/evaluation.md", "the classifier reads {} of images", "text2image_digits.metrics.caption_accuracy", ".1%"),
    ("docs/evaluation.md", "(plain {},", "text2image_digits.metrics.plain_caption_accuracy", ".1%"),
    ("docs/evaluation.md", "thick {})", "text2image_digits.metrics.thick_caption_accuracy", ".1%"),
    ("docs/evaluation.md", "draw {}x the ink", "text2image_digits.metrics.thickness_ink_ratio", ".2f"),
    ("docs/evaluation.md", "(real: {}x)", "text2image_digits.metrics.real_thickness_ink_ratio", ".2f"),
    ("docs/evaluation.md", "; Frechet distance {}.", "text2image_digits.metrics.frechet_distance", ".1f"),
]


@functools.lru_cache(maxsize=None)
def _phrase(template, source, spec):
    if source.startswith("file:"):
        assert template in _normalize(_read(source[5:])), f"{source[5:]} no longer says {template!r}"
        return template
    if source.startswith("computed:"):
        value = COMPUTED[source[9:]]()
    else:
        value = _lookup(_results(), source)
    return template.format(format(value, spec))


@pytest.mark.parametrize("doc,template,source,spec", INLINE,
                         ids=[f"{doc}:{template}" for doc, template, _, _ in INLINE])
def test_inline_number_matches_its_source(doc, template, source, spec):
    phrase = _phrase(template, source, spec)
    assert phrase in _normalize(_read(doc)), (
        f"{doc} should say {phrase!r} (from {source}); has it changed, or the text moved?")


# Words after which a number is a measurement; such a number outside the generated
# tables, the measured sections and INLINE has nothing behind it.
_MEASURE_WORDS = re.compile(
    r"(?i)\b(frechet distance|FD|KID|PSNR|SSIM|precision|recall|accuracy|latency|"
    r"images/s|faster|slower)\b[^.;|\n]{0,30}?(\d+\.\d+|\d+%)")
# Test counts and run times go stale with every commit: not stated without a source.
_COUNTS = re.compile(r"\b\d[\d,.]* (tests|minutes|seconds|hours)\b")
_NUMBER_CELL = re.compile(r"^-?[\d.,]+( ?(ms|MB|KiB|s|%|x))?$")


def _unsourced(doc):
    text = _strip_code(_read(doc))
    text = _REGION.sub("", text)
    for match in _MEASURED.finditer(text):
        assert re.search(r"\d{4}-\d{2}-\d{2}", match.group(1)), (
            f"{doc}: a measured section must give its date: {match.group(1)!r}")
        assert "python scripts/" in match.group(1), (
            f"{doc}: a measured section must give its command: {match.group(1)!r}")
    text = _MEASURED.sub("", text)
    found = []
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            found += [f"table cell {c!r} in {line!r}" for c in cells if _NUMBER_CELL.match(c)]
    text = _normalize(text)
    for entry in INLINE:
        if entry[0] == doc:
            text = text.replace(_phrase(*entry[1:]), "")
    found += [f"{m.group(0)!r}" for m in _MEASURE_WORDS.finditer(text)]
    found += [f"{m.group(0)!r}" for m in _COUNTS.finditer(text)]
    return found


@pytest.mark.parametrize("doc", DOC_FILES)
def test_measured_numbers_have_a_source(doc):
    found = _unsourced(doc)
    assert not found, (
        f"{doc}: measured numbers with no source: {found}. Generate the table from "
        f"{RESULTS_FILE} (TABLES), list the phrase in INLINE, or put it in a "
        "`<!-- measured: DATE, MACHINE; COMMAND -->` section.")


# Links ----------------------------------------------------------------------------------

_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _anchors(path):
    """GitHub's heading anchors of a Markdown file."""
    anchors, seen = set(), {}
    for line in _strip_code(path.read_text()).splitlines():
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        slug = re.sub(r"[^\w\- ]", "", match.group(1).lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


@pytest.mark.parametrize("doc", DOC_FILES)
def test_relative_links_resolve(doc):
    source = REPO_ROOT / doc
    broken = []
    for target in _LINK.findall(_strip_code(source.read_text())):
        if re.match(r"^[a-z]+:", target):
            continue  # http(s), mailto: not checked offline
        file_part, _, anchor = target.partition("#")
        path = (source.parent / file_part).resolve() if file_part else source
        if not path.exists():
            broken.append(f"{target} (no {path.relative_to(REPO_ROOT)})")
        elif anchor and (path.suffix != ".md" or anchor not in _anchors(path)):
            broken.append(f"{target} (no heading #{anchor})")
    assert not broken, f"{doc}: broken links: {broken}"


# The front page -------------------------------------------------------------------------

def test_readme_is_a_front_page_with_the_quickstart_commands():
    readme = _read("README.md")
    assert len(readme.splitlines()) <= README_MAX_LINES
    for command in README_COMMANDS:  # CI (.ci/run) runs the second one
        assert command in readme.splitlines(), command


def _table_models(doc):
    return re.findall(r"^\| `(\w+)` *\|", _read(doc), flags=re.M)


@pytest.mark.parametrize("doc", ["README.md", "docs/models.md"])
def test_model_tables_list_every_registered_model(doc):
    import kerasgan

    assert sorted(_table_models(doc)) == sorted(kerasgan.list_models())


# Python examples ------------------------------------------------------------------------

def _python_blocks():
    blocks = []
    for doc in DOC_FILES:
        lines = _read(doc).splitlines()
        for i, line in enumerate(lines):
            if line.strip() != "```python":
                continue
            end = lines.index("```", i + 1)
            before = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            skip = re.match(r"<!-- skip-test: (.*) -->", before.strip())
            blocks.append(pytest.param(doc, "\n".join(lines[i + 1:end]),
                                       skip.group(1) if skip else None, id=f"{doc}:{i + 2}"))
    return blocks


def _shrink(code):
    """One epoch of two steps instead of the example's epochs."""
    return re.sub(r"\bepochs=\d+", "epochs=1, steps_per_epoch=2", code)


def _image_folder(root):
    """`my_images/` with two class sub-folders of digit PNGs, as the README shows."""
    import numpy as np
    from PIL import Image

    import kerasgan

    images, labels = kerasgan.data.load_arrays("digits", "train", limit=64)
    pixels = np.round((images[..., 0] + 1) * 127.5).astype(np.uint8)
    for name, digit in (("cat", 0), ("dog", 1)):
        folder = root / "my_images" / name
        folder.mkdir(parents=True)
        for k, image in enumerate(pixels[labels == digit][:6]):
            Image.fromarray(image).convert("RGB").save(folder / f"{k:04d}.png")


@pytest.mark.slow
@pytest.mark.parametrize("doc,code,skip", _python_blocks())
def test_python_example_runs(doc, code, skip, tmp_path, monkeypatch):
    if skip:
        pytest.skip(f"marked in {doc}: {skip}")
    for name in SHIPPED_EXPORTS:  # the reader's checkout has them
        shutil.copytree(REPO_ROOT / "exported" / name, tmp_path / "exported" / name)
    if "my_images" in code:
        _image_folder(tmp_path)
    monkeypatch.chdir(tmp_path)
    exec(compile(_shrink(code), f"{doc} (example)", "exec"), {"__name__": "__doc_example__"})


def main():
    """Rewrites the generated tables of README.md and docs/*.md from the results files."""
    for doc in DOC_FILES:
        text = _read(doc)
        new = regenerate(text)
        if new != text:
            (REPO_ROOT / doc).write_text(new)
            print(f"Rewrote the results tables of {doc}")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO_ROOT))
    main()
