"""Templates in scenarios: ``{A.url}``, ``{server.port}``... expanded once the servers run."""

from __future__ import annotations

import dataclasses
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ...scenarios.model import ANY, Expect
from .errors import StagingError

__all__ = ["Endpoint", "expand", "expand_expect"]


@dataclass(frozen=True)
class Endpoint:
    """What a template can say about a proxy or the server: ``{A.url}``, ``{server.port}``..."""

    url: str
    netloc: str
    host: str
    port: int


_WHOLE_FIELD = re.compile(r"\{([^{}]+)\}")
_FORMATTER = string.Formatter()


def expand(value: Any, names: Mapping[str, Any]) -> Any:
    """Expand templates in ``value`` (strings, recursively in mappings, lists and tuples).

    A string that is exactly one field (``"{A.port}"``) gives the field's own value,
    so an integer stays an integer; any other string is ``str.format_map``-ed.
    """
    if isinstance(value, str):
        try:
            whole = _WHOLE_FIELD.fullmatch(value)
            if whole is not None:
                return _FORMATTER.get_field(whole.group(1), (), names)[0]
            return value.format_map(names)
        except (KeyError, AttributeError, IndexError, ValueError) as exc:
            raise StagingError(f"cannot expand template {value!r}: {exc!r}") from None
    if isinstance(value, Mapping):
        return {key: expand(item, names) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(expand(item, names) for item in value)
    return value


def expand_expect(expect: Expect, names: Mapping[str, Any]) -> Expect:
    """Return ``expect`` with every string field expanded (ANY and None left alone)."""
    changes: dict[str, Any] = {}
    for item in dataclasses.fields(expect):
        value = getattr(expect, item.name)
        if value is ANY or value is None or isinstance(value, bool):
            continue
        changes[item.name] = expand(value, names)
    return dataclasses.replace(expect, **changes)
