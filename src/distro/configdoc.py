"""The config file documented from its models: TOML of a config with each field's description as a
comment (``distro config show --toml``, ``config/distro.example.toml``), and suggestions for
misspelt keys."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import typing
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from distro.config import Config

BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _models(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation can hold (through Annotated, Optional, lists, unions)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin is None:
        return []
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _models(args[0])
    found: list[type[BaseModel]] = []
    for arg in args:
        found.extend(_models(arg))
    return found


def _tag(model: type[BaseModel]) -> str | None:
    kind = model.model_fields.get("kind")
    return kind.default if kind is not None and isinstance(kind.default, str) else None


def keys_at(loc: Iterable[int | str]) -> list[str]:
    """The keys the config allows in the table at ``loc`` (a pydantic error location)."""
    current: list[type[BaseModel]] = [Config]
    for part in loc:
        if isinstance(part, int):
            continue
        tagged = [m for m in current if _tag(m) == part]
        if tagged and not any(part in m.model_fields for m in current):
            current = tagged  # a discriminated union's tag in the location
            continue
        following: list[type[BaseModel]] = []
        for model in current:
            field = model.model_fields.get(part)
            if field is not None:
                following.extend(_models(field.annotation))
        current = following
        if not current:
            return []
    return sorted({name for model in current for name in model.model_fields})


def suggest(loc: tuple[int | str, ...]) -> str:
    """``unknown key; did you mean 'x'?`` for an extra key at ``loc``, else ``unknown key``."""
    if not loc:
        return "unknown key"
    known = keys_at(loc[:-1])
    close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean {close[0]!r}?"
    if known:
        return f"unknown key; allowed here: {', '.join(known)}"
    return "unknown key"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return json.dumps(str(value), ensure_ascii=False)


def _key(name: str) -> str:
    return name if BARE_KEY.match(name) else json.dumps(name, ensure_ascii=False)


def _inline(value: Any) -> str:
    if isinstance(value, Mapping):
        items = ", ".join(f"{_key(k)} = {_inline(v)}" for k, v in value.items() if v is not None)
        return "{ " + items + " }" if items else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return _scalar(value)


def _descriptions(model: type[BaseModel] | None) -> dict[str, str]:
    if model is None:
        return {}
    return {name: f.description for name, f in model.model_fields.items() if f.description}


def _field_model(model: type[BaseModel] | None, name: str, item: Any) -> type[BaseModel] | None:
    if model is None or name not in model.model_fields:
        return None
    options = _models(model.model_fields[name].annotation)
    if isinstance(item, Mapping) and "kind" in item:
        options = [m for m in options if _tag(m) == item["kind"]] or options
    return options[0] if options else None


def _summary(model: type[BaseModel] | None) -> str:
    """The first line of a model's docstring."""
    doc = (model.__doc__ or "").strip() if model is not None else ""
    return doc.splitlines()[0] if doc else ""


def _is_table(value: Any) -> bool:
    return isinstance(value, Mapping)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _emit(
    out: list[str],
    prefix: str,
    data: Mapping[str, Any],
    model: type[BaseModel] | None,
    comments: bool,
) -> None:
    notes = _descriptions(model) if comments else {}
    tables: list[tuple[str, Any]] = []
    for name, value in data.items():
        if value is None:
            if comments and name in notes:
                out.append(f"# {notes[name]}")
                out.append(f"# {_key(name)} = …")
            continue
        if _is_table(value) or _is_table_array(value):
            tables.append((name, value))
            continue
        if comments and name in notes:
            out.append(f"# {notes[name]}")
        out.append(f"{_key(name)} = {_inline(value)}")
    for name, value in tables:
        path = f"{prefix}.{_key(name)}" if prefix else _key(name)
        items = [value] if _is_table(value) else list(value)
        for item in items:
            inner = _field_model(model, name, item)
            note = notes.get(name) or _summary(inner)
            out.append("")
            if comments and note:
                out.append(f"# {note}")
            out.append(f"[{path}]" if _is_table(value) else f"[[{path}]]")
            _emit(out, path, item, inner, comments)


def dumps(cfg: Config, *, comments: bool = True) -> str:
    """The config as TOML that ``config.parse`` reads back to the same config."""
    out: list[str] = []
    _emit(out, "", cfg.model_dump(mode="json"), Config, comments)
    return "\n".join(out).lstrip("\n") + "\n"


def example() -> str:
    """``config/distro.example.toml``: every default, each field with its description."""
    head = [
        "# distro's config file: every setting at its default, with what it does.",
        "# Copy it, keep what you change. `distro config check --config FILE` validates it;",
        "# `distro config show --toml` prints the config a file resolves to.",
        "# Generated from the models (src/distro/config.py): `python -m distro.configdoc`.",
        "",
    ]
    return "\n".join(head) + dumps(Config())


if __name__ == "__main__":
    print(example(), end="")
