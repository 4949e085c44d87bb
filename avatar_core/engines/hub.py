"""The Hub's `inferenceProviderMapping` of a repo: which provider serves it, as what, live or not.

Read with the public `HfApi.model_info(repo, expand=["inferenceProviderMapping"])` (the same
lookup huggingface_hub 2.4's provider helpers make in `_fetch_inference_provider_mapping`), and
cached per repo for `ttl` seconds; a failed lookup is cached for a shorter time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from avatar_core.engines.routes import HubMapping, Mappings

log = logging.getLogger("avatar_core.engines.hub")
Lookup = Callable[[str], Mappings]


def hub_lookup(token: str | None, timeout: float = 10.0) -> Lookup:
    """A lookup over the Hub API: repo -> its mappings by provider; None if the Hub can't be asked."""

    def lookup(repo: str) -> Mappings:
        from huggingface_hub import HfApi
        from huggingface_hub.errors import RepositoryNotFoundError

        try:
            info = HfApi().model_info(
                repo, expand=["inferenceProviderMapping"], token=token or False, timeout=timeout
            )
        except RepositoryNotFoundError:
            return {}
        except Exception as exc:  # noqa: BLE001 - network, offline mode, 5xx: "could not check"
            log.warning("hub.lookup_failed repo=%s error=%s", repo, f"{type(exc).__name__}: {exc}"[:300])
            return None
        entries = info.inference_provider_mapping or []
        return {
            m.provider: HubMapping(
                str(m.provider), m.provider_id, m.status, m.task, m.adapter, m.adapter_weights_path
            )
            for m in entries
        }

    return lookup


class MappingCache:
    """Thread-safe, time-bounded cache in front of a `Lookup`."""

    def __init__(
        self,
        lookup: Lookup,
        *,
        ttl: float = 600.0,
        failure_ttl: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup, self._ttl, self._failure_ttl, self._clock = lookup, ttl, failure_ttl, clock
        self._cache: dict[str, tuple[float, Mappings]] = {}
        self._lock = threading.Lock()

    def get(self, repo: str) -> Mappings:
        """The mappings of `repo`, from the cache while fresh."""
        now = self._clock()
        with self._lock:
            hit = self._cache.get(repo)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = self._lookup(repo)
        expires = now + (self._ttl if value is not None else self._failure_ttl)
        with self._lock:
            self._cache[repo] = (expires, value)
        return value

    def many(self, repos: Iterable[str | None]) -> dict[str, Mappings]:
        """Mappings for each named repo (None entries skipped)."""
        return {repo: self.get(repo) for repo in repos if repo}
