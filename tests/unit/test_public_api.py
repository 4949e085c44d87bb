"""The public API of `avatar_core`: exactly these names, each importable from the package itself."""

from __future__ import annotations

import avatar_core

EXPECTED = [
    "App",
    "bootstrap",
    "init",
    "Settings",
    "load_settings",
    "GenerationRequest",
    "GenerationResult",
    "AvatarError",
    "__version__",
]


def public_names() -> list[str]:
    """`avatar_core.__all__` as a list (empty when the package declares none)."""
    return list(getattr(avatar_core, "__all__", []))


def test_all_is_exactly_the_public_api() -> None:
    names = public_names()
    assert len(names) == len(set(names)), f"duplicates in __all__: {names}"
    assert sorted(names) == sorted(EXPECTED)


def test_every_public_name_is_importable_from_the_package() -> None:
    names = public_names()
    assert names, "avatar_core declares no __all__"
    missing = [name for name in names if not hasattr(avatar_core, name)]
    assert missing == [], f"in __all__ but not importable from avatar_core: {missing}"
    namespace: dict[str, object] = {}
    exec("from avatar_core import *", namespace)  # noqa: S102 - what a star import really gives
    assert sorted(set(namespace) - {"__builtins__"}) == sorted(names)
    assert isinstance(namespace["__version__"], str) and namespace["__version__"]
