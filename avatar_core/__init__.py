"""Avatar Creator's core: the public API for front ends, scripts and tests.

    from avatar_core import bootstrap, init, load_settings, GenerationRequest
    app = bootstrap(load_settings()); init(app)
    result = app.generations.generate(app.accounts.by_name("ada"), GenerationRequest(prompt="a sailor"))

Names are imported on first use, so `import avatar_core.domain...` stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_WHERE = {
    "App": "avatar_core.bootstrap",
    "bootstrap": "avatar_core.bootstrap",
    "init": "avatar_core.bootstrap",
    "Settings": "avatar_core.config",
    "load_settings": "avatar_core.config",
    "GenerationRequest": "avatar_core.services.generation",
    "GenerationResult": "avatar_core.services.generation",
    "AvatarError": "avatar_core.domain.errors",
}
__all__ = [
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

if TYPE_CHECKING:
    from avatar_core.bootstrap import App, bootstrap, init
    from avatar_core.config import Settings, load_settings
    from avatar_core.domain.errors import AvatarError
    from avatar_core.services.generation import GenerationRequest, GenerationResult


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    if name not in _WHERE:
        raise AttributeError(f"module 'avatar_core' has no attribute {name!r}")
    return getattr(import_module(_WHERE[name]), name)
