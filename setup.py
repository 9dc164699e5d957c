"""Installs kerasgan: `pip install -e .` for training, `pip install -e ".[test]"` for the tests."""

import pathlib
import re

import setuptools

_HERE = pathlib.Path(__file__).parent
_VERSION = re.search(
    r'__version__ = "([^"]+)"', (_HERE / "kerasgan" / "version.py").read_text()
).group(1)

setuptools.setup(
    name="kerasgan",
    version=_VERSION,
    description="A model zoo of Generative Adversarial Networks for Keras 3 on TensorFlow.",
    long_description=(_HERE / "README.md").read_text(),
    long_description_content_type="text/markdown",
    packages=setuptools.find_packages(include=["kerasgan", "kerasgan.*"]),
    package_data={"kerasgan": ["assets/*"]},
    python_requires=">=3.10,<3.14",
    # Ranges that were installed together and tested on Python 3.11. TF 2.21 no longer
    # pulls in tensorboard, so it is listed (DESIGN.md, pitfalls).
    install_requires=[
        "tensorflow>=2.21,<2.22",
        "keras>=3.15,<3.16",
        "tensorflow-datasets>=4.9.9,<5",
        # tensorflow-datasets' download-and-prepare path imports `importlib_resources`
        # (lazily, through etils), but lists it only for Python < 3.9, and a fresh TF
        # 2.21 install does not bring it: without it every tfds download dies with
        # ModuleNotFoundError (tests/test_data_tfds.py runs that path offline).
        "importlib-resources>=6,<8",
        "tensorboard>=2.21,<2.22",
        "absl-py>=2.1,<3",
        "scikit-learn>=1.5,<2",
        "numpy>=1.26,<3",
        "pillow>=10",
        # The LiteRT runtime: exports are verified in it before they are written.
        "ai-edge-litert>=2.0,<3",
    ],
    extras_require={
        "test": [
            "pytest>=8,<10",
            # Two test processes share the cores: the suite is half Python (tracing,
            # start-up of the script tests), half TensorFlow kernels.
            "pytest-xdist>=3.5,<4",
            "hypothesis>=6.100",
        ],
    },
    license="Apache-2.0",
)
