"""tensorflow-datasets' real download-and-prepare path, offline.

`tfds.testing.mock_data` (tests/test_data.py) replaces preparation and reading, so it
never imports what a real download imports: `importlib_resources` once went missing from
fresh installs and every tfds download died with ModuleNotFoundError (DESIGN.md,
pitfalls). Here a small dataset builder, in a package of its own (tfds only looks up a
builder's code path, where the import happens, for builders in packages), downloads a
`.tar.gz` of digit PNGs from an HTTP server on 127.0.0.1 with tfds' own download
manager (requests, checksum check, extraction), prepares it (encoding, writing the
array_record files) and is read through `kerasgan.data`. A second builder points at a
port that refuses connections: `kerasgan.data` must turn the failed download into one
clear `DatasetDownloadError`.
"""

import functools
import hashlib
import http.server
import io
import os
import socket
import sys
import tarfile
import textwrap
import threading

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from kerasgan import data

PACKAGE = "kerasgan_offline_datasets"
DATASET = "kerasgan_offline_digits"
UNREACHABLE = "kerasgan_unreachable_digits"
NUM_TRAIN, NUM_TEST = 40, 10

BUILDERS = '''
"""Datasets for tests/test_data_tfds.py, written by it."""

import os

import tensorflow_datasets as tfds

URL = {url!r}
UNREACHABLE_URL = {unreachable_url!r}


def _features():
    return tfds.features.FeaturesDict({{
        "image": tfds.features.Image(shape=(32, 32, 1)),
        "label": tfds.features.ClassLabel(num_classes=10),
    }})


class KerasganOfflineDigits(tfds.core.GeneratorBasedBuilder):
    """Digit PNGs in a .tar.gz: train/<label>/<n>.png and test/<label>/<n>.png."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {{"1.0.0": "Test data."}}

    def _info(self):
        return self.dataset_info_from_configs(features=_features(),
                                              supervised_keys=("image", "label"))

    def _split_generators(self, dl_manager):
        path = dl_manager.download_and_extract(URL)
        return {{"train": self._generate_examples(path / "train"),
                "test": self._generate_examples(path / "test")}}

    def _generate_examples(self, path):
        for image in sorted(path.glob("*/*.png")):
            yield f"{{image.parent.name}}/{{image.name}}", {{
                "image": image, "label": int(image.parent.name)}}


class KerasganUnreachableDigits(KerasganOfflineDigits):
    """The same, from a host that refuses connections."""

    def _split_generators(self, dl_manager):
        path = dl_manager.download_and_extract(UNREACHABLE_URL)
        return {{"train": self._generate_examples(path / "train")}}
'''


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    requests_served = []

    def do_GET(self):
        self.requests_served.append(self.path)
        super().do_GET()

    def log_message(self, *args):
        pass


def _digit_archive():
    """A .tar.gz of train/test digit PNGs, and the uint8 images with labels per split."""
    images, labels = data.load_arrays("digits", "all", limit=NUM_TRAIN + NUM_TEST)
    images = np.round((images + 1.0) * 127.5).astype(np.uint8)
    buffer = io.BytesIO()
    splits = {}
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for split, part in (("train", slice(0, NUM_TRAIN)), ("test", slice(NUM_TRAIN, None))):
            splits[split] = (images[part], labels[part])
            for n, (image, label) in enumerate(zip(images[part], labels[part])):
                png = tf.io.encode_png(image).numpy()
                info = tarfile.TarInfo(f"{split}/{label}/{n:03d}.png")
                info.size = len(png)
                archive.addfile(info, io.BytesIO(png))
    return buffer.getvalue(), splits


@pytest.fixture(scope="module")
def offline_datasets(tmp_path_factory):
    """Serves the archive on 127.0.0.1, writes the builders' package (with a
    checksums.tsv registering the archive, as tfds datasets ship one) and imports it.
    Yields the uint8 images and labels per split."""
    served = tmp_path_factory.mktemp("served")
    archive, splits = _digit_archive()
    (served / "digits.tar.gz").write_bytes(archive)
    handler = functools.partial(_QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # A bound socket that never listens: connecting to its port is refused at once.
    refusing = socket.socket()
    refusing.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{server.server_address[1]}/digits.tar.gz"
    unreachable_url = f"http://127.0.0.1:{refusing.getsockname()[1]}/digits.tar.gz"

    root = tmp_path_factory.mktemp("code")
    package = root / PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "builders.py").write_text(
        textwrap.dedent(BUILDERS.format(url=url, unreachable_url=unreachable_url)))
    checksum = tfds.core.download.checksums.compute_url_info(
        served / "digits.tar.gz", checksum_cls=hashlib.sha256)
    (package / "checksums.tsv").write_text(
        f"{url}\t{int(checksum.size)}\t{checksum.checksum}\tdigits.tar.gz\n")
    sys.path.insert(0, str(root))
    try:
        __import__(f"{PACKAGE}.builders")
        yield splits
    finally:
        sys.path.remove(str(root))
        server.shutdown()
        server.server_close()
        refusing.close()


def _sorted_examples(images, labels):
    keys = [(int(label), image.tobytes()) for image, label in zip(images, labels)]
    return sorted(keys)


def test_tfds_download_and_prepare_runs_offline(offline_datasets, tmp_path):
    """The real path: download over HTTP, checksum, extract, prepare, read."""
    _QuietHandler.requests_served.clear()
    builder = tfds.builder(DATASET, data_dir=str(tmp_path))
    # The code path (and with it importlib_resources) is what a missing dependency broke.
    assert builder.code_path is not None and builder.code_path.name == "builders.py"
    builder.download_and_prepare()
    assert _QuietHandler.requests_served == ["/digits.tar.gz"]
    assert builder.info.splits["train"].num_examples == NUM_TRAIN
    assert builder.info.splits["test"].num_examples == NUM_TEST


def test_kerasgan_data_downloads_prepares_and_reads_a_tfds_dataset(offline_datasets, tmp_path):
    _QuietHandler.requests_served.clear()
    info = data.info(DATASET, data_dir=str(tmp_path))
    assert info == data.DatasetInfo(DATASET, (32, 32, 1), 10)
    assert not _QuietHandler.requests_served  # describing it needs no download
    for split, (images, labels) in offline_datasets.items():
        read, read_labels = data.load_arrays(DATASET, split, data_dir=str(tmp_path))
        assert read.shape == (len(images), 32, 32, 1) and read_labels.dtype == np.int32
        read = np.round((read + 1.0) * 127.5).astype(np.uint8)
        assert _sorted_examples(read, read_labels) == _sorted_examples(images, labels)
    assert _QuietHandler.requests_served == ["/digits.tar.gz"]  # downloaded once
    batch, batch_labels = next(iter(data.load(DATASET, "train", image_size=64, channels=3,
                                              batch_size=8, data_dir=str(tmp_path))))
    assert batch.shape == (8, 64, 64, 3) and batch_labels.shape == (8,)
    assert _QuietHandler.requests_served == ["/digits.tar.gz"]  # prepared: read from disk


@pytest.fixture
def no_retries(monkeypatch):
    """tfds retries a failed connection 10 times with exponential backoff (3.5 minutes
    before it gives up); the tests take its first failure."""
    from tensorflow_datasets.core.download import downloader

    monkeypatch.setattr(downloader, "MAX_RETRIES", 0)


def _check_download_error(error, data_dir):
    message = str(error.value)
    assert isinstance(error.value, ValueError)
    assert "\n" not in message
    assert f"Cannot download dataset {UNREACHABLE!r} into data_dir {data_dir!r}" in message
    assert "Connection refused" in message or "example.org" in message  # the cause
    assert "Connect to the network" in message
    # (Not `tfds build`: tfds 4.9.10's command line needs apache_beam to start.)
    assert (f"tfds.builder('{UNREACHABLE}', data_dir='DIR').download_and_prepare()"
            in message)
    assert "--dataset=digits" in message and "--dataset=path/to/folder" in message


def test_load_of_an_unreachable_download_raises_one_clear_error(offline_datasets, tmp_path,
                                                                no_retries):
    data_dir = str(tmp_path)
    with pytest.raises(data.DatasetDownloadError) as error:
        data.load(UNREACHABLE, data_dir=data_dir)
    _check_download_error(error, data_dir)
    with pytest.raises(data.DatasetDownloadError) as error:
        data.load_arrays(UNREACHABLE, "train", data_dir=data_dir)
    _check_download_error(error, data_dir)
    # Nothing half-prepared is left to be mistaken for the dataset.
    assert not tfds.builder(UNREACHABLE, data_dir=data_dir).is_prepared()


def test_info_needs_no_download_and_names_a_failed_description(offline_datasets, tmp_path,
                                                               monkeypatch):
    # A registered dataset describes itself from its code: no network.
    assert data.info(UNREACHABLE, str(tmp_path)).image_shape == (32, 32, 1)
    # Datasets that must fetch their description (community datasets) fail like downloads.
    import requests

    def unreachable(name, **kwargs):
        raise requests.exceptions.ConnectionError("Failed to resolve 'example.org'")

    monkeypatch.setattr(tfds, "builder", unreachable)
    with pytest.raises(data.DatasetDownloadError) as error:
        data.info(UNREACHABLE, str(tmp_path))
    _check_download_error(error, str(tmp_path))


def test_download_error_without_data_dir_names_tfds_default(offline_datasets, no_retries,
                                                            monkeypatch, tmp_path):
    monkeypatch.setattr(tfds.core.constants, "DATA_DIR", str(tmp_path / "default"))
    with pytest.raises(data.DatasetDownloadError) as error:
        data.load(UNREACHABLE)
    assert f"into data_dir {str(tmp_path / 'default')!r}" in str(error.value)
