"""The registry: names, patterns, overrides and the errors users see."""

import pytest

import kerasgan
from kerasgan import registry


def test_core_variants_are_registered():
    assert {"gan", "dcgan", "cgan"} <= set(kerasgan.list_models())
    assert kerasgan.list_models("dc*") == ["dcgan"]
    assert kerasgan.list_models("nothing*") == []


def test_unknown_name_lists_close_matches():
    with pytest.raises(ValueError, match=r"Unknown model: 'dcgna'.*'dcgan'"):
        kerasgan.create_model("dcgna")


def test_unknown_argument_names_it_and_the_choices():
    with pytest.raises(ValueError, match=r"no argument 'filters'.*base_filters"):
        kerasgan.create_model("dcgan", filters=8)


def test_none_overrides_keep_defaults():
    model = kerasgan.create_model("dcgan", latent_dim=None, base_filters=4)
    assert model.latent_dim == registry.model_defaults("dcgan")["latent_dim"] == 100


@pytest.mark.parametrize(
    "name, overrides, message",
    [
        ("dcgan", {"latent_dim": 0}, "latent_dim=0"),
        ("gan", {"latent_dim": -4}, "latent_dim=-4"),
        ("dcgan", {"image_shape": (30, 30, 1), "base_filters": 4}, r"image_shape=\(30, 30, 1\)"),
        ("dcgan", {"image_shape": (32, 32), "base_filters": 4}, r"image_shape=\(32, 32\)"),
        ("dcgan", {"base_filters": 0}, "base_filters=0"),
        ("cgan", {"num_classes": 1, "base_filters": 4}, "num_classes=1"),
        ("gan", {"generator_loss": "wasserstein"}, "generator_loss='wasserstein'"),
    ],
)
def test_bad_hyperparameters_raise_value_error_naming_them(name, overrides, message):
    with pytest.raises(ValueError, match=message):
        kerasgan.create_model(name, **overrides)


def test_sixty_four_pixel_dcgan_has_one_more_resolution_step():
    small = kerasgan.create_model("dcgan", base_filters=4)
    large = kerasgan.create_model("dcgan", base_filters=4, image_shape=(64, 64, 3))
    assert large.generator.output_shape == (None, 64, 64, 3)
    count = lambda m: sum("upsample" in layer.name for layer in m.generator.layers)  # noqa: E731
    assert count(large) == count(small) + 1
