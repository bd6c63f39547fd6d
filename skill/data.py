"""Where ``content/`` and ``interaction_models/`` are read from.

The repository keeps one copy of each at its top level (and of ``docs/privacy.md``
and ``docs/terms.md``, which the server publishes). A built wheel carries them
as package data under ``skill/_data/`` (``setup.py`` copies them at build time), so
an installed ``hiprest`` works from any directory; a checkout, an editable install
and the assembled Lambda tree (``infra/build-lambda.sh``) have no ``_data`` and read
the folders beside the package instead.

Pure: the standard library only.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

SHIPPED = "_data"
# docs/: only privacy.md and terms.md are shipped (skill/legal.py serves them);
# infra/: only what `hiprest package --deployer cfn` copies (skill/package.py).
DATA_DIRS = ("content", "interaction_models", "docs", "infra")


def data_dir(name: str) -> Path:
    """The directory ``name`` (one of DATA_DIRS): the wheel's copy, else the checkout's."""
    if name not in DATA_DIRS:
        raise ValueError(f"unknown data directory {name!r}")
    shipped = resources.files("skill").joinpath(SHIPPED, name)
    # An installed wheel is always unpacked on disk, so its resources are real paths
    # (the loaders walk them with pathlib); a zipped import falls through to the checkout.
    if isinstance(shipped, Path) and shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parent.parent / name
