"""Model registry: `@register_model`, `create_model(name, **overrides)`, `list_models(pattern)`.

Each registered entry is a small factory function whose keyword arguments are the
variant's hyperparameters with defaults that train on the embedded `digits` dataset.
"""

import difflib
import fnmatch
import inspect

from kerasgan.tricks import TRICK_DEFAULTS

_MODEL_FACTORIES = {}
_DEFAULT_DATASETS = {}


def register_model(factory=None, *, default_dataset="digits"):
    """Registers `factory` under its function name.

    Used bare, `@register_model`, for models that train on the embedded `digits`; or
    `@register_model(default_dataset="digits_edges")` for a model whose defaults
    train on another dataset (image-to-image models train on pairs), which training
    then loads when the config names none.

    Args:
        factory: A function taking keyword arguments only and returning an
            `AdversarialModel`.
        default_dataset: The dataset the factory's defaults are made for.

    Returns:
        `factory`, unchanged, so it can be used as a decorator.
    """
    if factory is None:
        return lambda function: register_model(function, default_dataset=default_dataset)
    name = factory.__name__
    if name in _MODEL_FACTORIES and _MODEL_FACTORIES[name] is not factory:
        raise ValueError(f"A model named {name!r} is already registered.")
    _MODEL_FACTORIES[name] = factory
    _DEFAULT_DATASETS[name] = default_dataset
    return factory


def default_dataset(name):
    """The dataset model `name`'s defaults train on (`"digits"` for most).

    >>> default_dataset("dcgan")
    'digits'
    """
    _get_factory(name)
    return _DEFAULT_DATASETS[name]


def list_models(pattern="*"):
    """Returns the sorted names of registered models matching a glob `pattern`.

    Example:

    >>> import kerasgan
    >>> kerasgan.list_models("dc*")
    ['dcgan']
    """
    return sorted(fnmatch.filter(_MODEL_FACTORIES, pattern))


def model_defaults(name):
    """Returns the default hyperparameters of model `name` as a dict."""
    factory = _get_factory(name)
    return {key: default for key, default in _accepted_arguments(factory).items()
            if default is not inspect.Parameter.empty}


def create_model(name, **overrides):
    """Builds the registered model `name`.

    Overrides that are `None` are dropped, so unset command-line flags never
    clobber a variant's defaults.

    Args:
        name: A name from `list_models()`, e.g. `"dcgan"`.
        **overrides: Hyperparameters to change, e.g. `latent_dim=64`,
            `image_shape=(64, 64, 3)`, `num_classes=10`.

    Returns:
        An `AdversarialModel`, built, ready for `compile()` and `fit()`.

    Raises:
        ValueError: if `name` is not registered or an override is not one of the
            variant's arguments.

    Example:

    >>> import kerasgan
    >>> model = kerasgan.create_model("dcgan", latent_dim=16, base_filters=8)
    >>> model.generator.output_shape
    (None, 32, 32, 1)
    """
    factory = _get_factory(name)
    overrides = {key: value for key, value in overrides.items() if value is not None}
    accepted = _accepted_arguments(factory)
    for key in overrides:
        if key not in accepted:
            raise ValueError(
                f"Model {name!r} has no argument {key!r}. "
                f"Received: {key}={overrides[key]!r}. "
                f"Its arguments are: {', '.join(sorted(accepted))}."
            )
    return factory(**overrides)


def _accepted_arguments(factory):
    """`{name: default}` of the factory's named arguments (`inspect.Parameter.empty`
    for required ones), plus `AdversarialModel`'s training tricks when the factory
    passes `**tricks` through."""
    parameters = inspect.signature(factory).parameters
    accepted = {key: p.default for key, p in parameters.items() if p.kind != p.VAR_KEYWORD}
    if any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        accepted.update(TRICK_DEFAULTS)
    return accepted


def _get_factory(name):
    if name not in _MODEL_FACTORIES:
        close = difflib.get_close_matches(str(name), list(_MODEL_FACTORIES), n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(
            f"Unknown model: {name!r}.{hint} "
            f"Available models: {', '.join(list_models())}."
        )
    return _MODEL_FACTORIES[name]
