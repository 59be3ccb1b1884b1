"""A writer for the small subset of TOML that zenith's config uses."""
from __future__ import annotations

import json


def to_toml(data: dict) -> str:
    """Serialize the small subset of TOML the zenith config uses (tables, arrays of tables,
    str/int/bool/lists)."""

    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + " }"
        raise TypeError(f"cannot write {type(v)} to TOML")

    lines: list[str] = []

    def is_array_of_tables(v) -> bool:
        return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)

    def table(prefix: str, d: dict, header: str | None = None) -> None:
        scalars = {k: v for k, v in d.items()
                   if (not isinstance(v, dict) or k in _INLINE_TABLES) and not is_array_of_tables(v)}
        tables = {k: v for k, v in d.items() if isinstance(v, dict) and k not in _INLINE_TABLES}
        arrays = {k: v for k, v in d.items() if is_array_of_tables(v)}
        if header or (prefix and (scalars or not tables)):
            lines.append(header or f"[{prefix}]")
        for k, v in scalars.items():
            lines.append(f"{k} = {value(v)}")
        if scalars or prefix:
            lines.append("")
        for k, v in tables.items():
            table(f"{prefix}.{k}" if prefix else k, v)
        for k, entries in arrays.items():  # [[watch]]: one table per entry
            name = f"{prefix}.{k}" if prefix else k
            for entry in entries:
                table(name, entry, header=f"[[{name}]]")

    table("", data)
    return "\n".join(lines) + "\n"


# keys whose dict value is written as an inline table (`headers = { ... }`); other dicts are [tables]
_INLINE_TABLES = {"headers"}
