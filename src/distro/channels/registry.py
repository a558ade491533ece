"""The channel registry: every ``ChannelSpec`` registered in the ``distro.channels`` entry points.

distro's own channels register there too (``pyproject.toml``), so a separate package adds a channel
exactly as they do, with no change to distro. Loading a spec imports only its declaration: a
channel's heavy modules load when it publishes.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import json
from collections.abc import Iterable
from importlib import metadata
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from distro.channels.spec import DEFAULT_TARGET, ChannelSpec, Lane
from distro.errors import ConfigError

if TYPE_CHECKING:
    from distro.config import Config, Settings

GROUP = "distro.channels"
#: distro's own channels, used as well when the package metadata is missing (a source checkout
#: on the path without `uv sync`): the entry points name the same objects.
BUILTIN = {
    "web": "distro.channels.builtin:WEB",
    "partners": "distro.channels.builtin:PARTNERS",
    "app": "distro.channels.builtin:APP",
    "wechat": "distro.channels.builtin:WECHAT",
}
#: Spec names a config may not use for a plugin section (they are keys of ``[channels]``).
RESERVED = frozenset(BUILTIN)


def _resolve(value: str) -> ChannelSpec:
    module_name, _, attribute = value.partition(":")
    found: object = importlib.import_module(module_name)
    for part in attribute.split("."):
        found = getattr(found, part)
    if not isinstance(found, ChannelSpec):
        raise TypeError(f"{value} is a {type(found).__name__}, not a ChannelSpec")
    return found


@functools.cache
def _loaded() -> tuple[dict[str, ChannelSpec], tuple[str, ...]]:
    found: dict[str, ChannelSpec] = {}
    problems: list[str] = []
    declared = {name: value for name, value in BUILTIN.items()}
    for point in metadata.entry_points(group=GROUP):
        declared[point.name] = point.value
    for name, value in declared.items():
        try:
            spec = _resolve(value)
        except Exception as exc:  # one broken plugin must not take the others down
            problems.append(f"channel plugin {name} ({value}): {type(exc).__name__}: {exc}")
            continue
        if spec.name != name:
            problems.append(f"channel plugin {name} ({value}) declares the name {spec.name!r}")
            continue
        found[name] = spec
    ordered = dict(sorted(found.items(), key=lambda item: (item[1].order, item[0])))
    return ordered, tuple(problems)


def specs() -> dict[str, ChannelSpec]:
    """Every registered channel by name, in publishing order."""
    return dict(_loaded()[0])


def load_problems() -> list[str]:
    """Plugins that could not be loaded (shown by ``distro config check``)."""
    return list(_loaded()[1])


def reset() -> None:
    """Forget what was loaded (after installing a plugin in this process)."""
    _loaded.cache_clear()
    _options.cache_clear()


def get(name: str) -> ChannelSpec:
    """The spec of channel ``name``; an unknown name is a one-line ConfigError."""
    known = specs()
    try:
        return known[name]
    except KeyError:
        raise ConfigError(f"unknown channel {name!r}{suggest(name, known)}") from None


def suggest(name: str, known: Iterable[str]) -> str:
    """``; did you mean 'x'?`` (or the known names) for a misspelt ``name``."""
    names = list(known)
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; known: {', '.join(names) or 'none'}"


def section(settings: Settings, name: str) -> dict[str, Any] | None:
    """The raw ``[channels.<name>]`` table of a plugin channel, when the config has one."""
    extra = settings.config.channels.model_extra or {}
    found = extra.get(name)
    return found if isinstance(found, dict) else None


@functools.cache
def _options(name: str, raw: str) -> BaseModel | None:
    model = get(name).options
    return None if model is None else model.model_validate(json.loads(raw))


def options(settings: Settings, name: str) -> BaseModel | None:
    """A plugin channel's validated options (None for a channel without an options model)."""
    raw = section(settings, name) or {}
    return _options(name, json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str))


def is_enabled(settings: Settings, spec: ChannelSpec) -> bool:
    if spec.enabled is not None:
        return spec.enabled(settings)
    raw = section(settings, spec.name)
    return raw is not None and raw.get("enabled", True) is not False


def enabled(settings: Settings) -> list[ChannelSpec]:
    """The channels the config switches on, in publishing order."""
    return [spec for spec in specs().values() if is_enabled(settings, spec)]


def targets(settings: Settings, spec: ChannelSpec) -> list[str]:
    return spec.targets(settings) if spec.targets is not None else [DEFAULT_TARGET]


def lanes(settings: Settings, spec: ChannelSpec) -> list[Lane]:
    """The channel's publish DAGs; a plugin's default is one lane on its ``schedule`` option."""
    if spec.lanes is not None:
        return spec.lanes(settings)
    found = options(settings, spec.name)
    cron = getattr(found, "schedule", None)
    crons = (cron,) if isinstance(cron, str) and cron else ()
    return [Lane(crons=crons, schedule_paths=(f"channels.{spec.name}.schedule",))]


def edition_gate(spec: ChannelSpec) -> Any:
    """The module a channel declares for editions held for an editor (``ChannelSpec.editions``)."""
    if spec.editions is None:
        raise ConfigError(f"channel {spec.name!r} holds no editions for an editor")
    return importlib.import_module(spec.editions)


def edition_targets(settings: Settings, spec: ChannelSpec) -> list[str]:
    """The channel's targets whose whole editions wait for an editor (none for most channels)."""
    if spec.editions is None:
        return []
    found: list[str] = edition_gate(spec).gated(settings)
    return found


def policy(settings: Settings, spec: ChannelSpec, target: str) -> str | float:
    """The review policy of one target (a plugin's default: its ``review`` option, else auto)."""
    if spec.review is not None:
        return spec.review(settings, target)
    found = getattr(options(settings, spec.name), "review", "auto")
    return found if isinstance(found, str | float) else "auto"


def problems(cfg: Config) -> dict[str, list[str]]:
    """``channels.<name> -> problems`` for plugin sections: unknown channels, invalid options."""
    known = specs()
    found: dict[str, list[str]] = {}
    for name, raw in (cfg.channels.model_extra or {}).items():
        scope = f"channels.{name}"
        spec = known.get(name)
        if spec is None:
            found[scope] = [f"{scope}: unknown channel{suggest(name, known)}"]
        elif not isinstance(raw, dict):
            found[scope] = [f"{scope}: must be a table ([channels.{name}])"]
        elif spec.options is not None:
            try:
                spec.options.model_validate(raw)
            except ValidationError as exc:
                found[scope] = [
                    f"{scope}.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                    for e in exc.errors()
                ]
    return found
