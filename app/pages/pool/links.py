"""What a pooling page links to: the same view on the other pool's page, and the examples."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.pages.pool.config import POOLS, PoolConfig
from app.pages.pool.presets import page_presets


@dataclass(frozen=True)
class ExampleLink:
    """One example as the page lists it: its id, name (N_-marked) and URL."""

    key: str
    label: str
    url: str


@dataclass(frozen=True)
class PoolLinks:
    """The switch (the other pool's page with what both share) and the examples."""

    other: str  # the other pool
    switch: str  # its URL
    examples: list[ExampleLink]


def pool_links(config: PoolConfig, _setup: Any, root: str, pages: Mapping[str, Any]) -> PoolLinks:
    """The links of the page of ``config.op`` (see :attr:`app.pages.page.Page.links`).

    The examples keep the language and the presentation mode; the switch keeps everything
    both pools have (:meth:`PoolConfig.switch_url`).
    """
    other = next(op for op in POOLS if op != config.op)
    q = config.query
    extra = {"lang": q.lang} if q.lang != "en" else {}
    if q.present:
        extra["present"] = "1"
    base = f"{root}/{config.op}"
    examples = [
        ExampleLink(preset.key, preset.label, preset.url(base, extra))
        for preset in page_presets(config.op)
    ]
    return PoolLinks(other, config.switch_url(pages[other].query, f"{root}/{other}"), examples)
