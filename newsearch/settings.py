"""Settings, declared once: name, default, environment variable, type and help.

Every setting of newsearch is a :class:`Setting` in :data:`SETTINGS`. The Flask app factory,
the CLI and ``docs/settings.md`` all read this table, so a setting is never declared twice.
Values come from the defaults, then ``NEWSEARCH_*`` environment variables, then explicit
overrides (``create_app(test_config)`` or CLI options), and are validated here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names the setting."""


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected a boolean (true/false), got {value!r}")


def _choice(*choices: str) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        text = str(value).strip().lower()
        if text not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {value!r}")
        return text

    convert.__name__ = "|".join(choices)
    return convert


def _non_negative_int(value: Any) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(f"expected a whole number of at least 0, got {value!r}")
    return number


def _positive_int(value: Any) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(f"expected a whole number of at least 1, got {value!r}")
    return number


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    convert: Callable[[Any], Any] = str

    @property
    def env(self) -> str:
        return "NEWSEARCH_" + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    Setting("index", "index", "Directory of the search index."),
    Setting(
        "engine",
        "whoosh",
        "Engine for a new index (an existing index remembers its own).",
        _choice("whoosh", "tantivy"),
    ),
    Setting(
        "date_order",
        "mdy",
        "How ambiguous numeric dates such as 02/03/2022 are read: mdy (3 February, US) or "
        "dmy (2 March).",
        _choice("mdy", "dmy"),
    ),
    Setting("page_size", 10, "Hits per page when a request names none.", _positive_int),
    Setting("max_page_size", 100, "Largest page size a request may ask for.", _positive_int),
    Setting("max_page", 1000, "Highest page number a request may ask for.", _positive_int),
    Setting("facet_size", 10, "Values shown per facet before 'more'.", _positive_int),
    Setting(
        "max_file_bytes",
        50 * 1024 * 1024,
        "Files larger than this are skipped before they are read.",
        _positive_int,
    ),
    Setting(
        "batch_size",
        0,
        "Articles per index commit while indexing (0: the engine's default, 20,000 for "
        "Whoosh and 5,000 for tantivy).",
        _non_negative_int,
    ),
    Setting("jobs", 0, "Parser processes while indexing (0: one per core).", int),
    Setting("query_timeout", 2.0, "Seconds a query may run before it is refused (Whoosh; "
            "filling a commit's phrase caches may add as much again, once per query).", float),
    Setting("max_query_length", 2000, "Longest query string accepted, in characters.",
            _positive_int),
    Setting("max_request_bytes", 64 * 1024, "Largest request body accepted.", _positive_int),
    Setting("debug", False, "Flask debug mode (development only).", _bool),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Return every setting: defaults, then ``NEWSEARCH_*`` variables, then ``overrides``.

    Keys of ``overrides`` may be setting names in any case (``INDEX`` or ``index``); other keys
    are ignored here (Flask's own settings pass through the app factory).
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw: Any = setting.default
        source = "default"
        if setting.env in environ:
            raw, source = environ[setting.env], setting.env
        for key, value in (overrides or {}).items():
            if key.lower() == setting.name:
                raw, source = value, key
        try:
            values[setting.name] = setting.convert(raw)
        except (TypeError, ValueError) as exc:
            raise SettingsError(f"setting {setting.name} (from {source}): {exc}") from None
    return values


def get_setting(name: str) -> Setting:
    return _BY_NAME[name]


def settings_markdown() -> str:
    """The settings table for docs/settings.md."""
    lines = ["| setting | environment variable | default | help |", "|---|---|---|---|"]
    for s in SETTINGS:
        lines.append(f"| `{s.name}` | `{s.env}` | `{s.default!r}` | {s.help} |")
    return "\n".join(lines) + "\n"
