"""huggingface_hub's one shared HTTP client, with a connection pool as wide as our workers.

Every call the engine makes goes through `huggingface_hub.utils.get_session()`: one `httpx2.Client`
per process, built by `default_client_factory` (huggingface_hub 2.4 `utils/_http.py`) with httpx's
default pool of **100 connections** (`httpx2._config.DEFAULT_LIMITS`). A worker with more slots
than that would queue its provider calls in the pool (and time them out as `PoolTimeout`), not at
the provider: measured with benchmark 11 (500 jobs at L = 30 s did not finish in 90 s before
this). `widen(n)` installs the same client (the library's request hook, redirects followed, no
default timeout) with room for `n` connections, through the library's own `set_client_factory`.
"""

from __future__ import annotations

import threading

import httpx2
from huggingface_hub.utils import set_client_factory
from huggingface_hub.utils._http import hf_request_event_hook  # pinned: huggingface-hub==2.4.0

DEFAULT_CONNECTIONS = 100  # httpx's default, what huggingface_hub's client gets
_lock = threading.Lock()
_width = DEFAULT_CONNECTIONS


def widen(connections: int) -> int:
    """Make room for `connections` concurrent provider calls in this process (never narrower;
    the shared client is rebuilt only when it grows, i.e. once per process in practice)."""
    global _width
    with _lock:
        if connections <= _width:
            return _width
        _width = connections
        limits = httpx2.Limits(max_connections=connections, max_keepalive_connections=min(connections, 100))
        set_client_factory(
            lambda: httpx2.Client(
                event_hooks={"request": [hf_request_event_hook]},
                follow_redirects=True,
                timeout=None,
                limits=limits,
            )
        )
        return _width
