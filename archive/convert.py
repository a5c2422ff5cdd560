"""Validate and normalise one row (a dict) against a table schema.

Rows are checked one by one when they are written, so an error points at the
offending row, table, field and value instead of surfacing later as an opaque
Arrow conversion failure.  Rules:

* missing keys become null; unknown keys raise;
* null in a non-nullable field raises;
* strings must be ``str`` (stored byte for byte: no Unicode normalisation);
* integers must be ``int`` (not ``bool``) and fit the column width;
* timestamps are timezone-aware ``datetime`` objects or ISO 8601 strings with
  an offset (``2020-09-03T07:55:00+07:00``, ``...Z``); naive values raise,
  because the instant they denote would be a guess;
* dates (``date32``) are ``datetime.date`` objects (not ``datetime``) or
  ``YYYY-MM-DD`` strings;
* every field whose name ends in ``sha256`` (at any depth) holds 64 lowercase
  hex digits; ``warc_record_id`` looks like ``<urn:uuid:...>``; ``warc_file``
  and ``media.path`` are relative paths inside the archive (no ``..``);
* lists must be ``list``/``tuple``; struct elements are dicts checked the same way.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

import pyarrow as pa

from .exceptions import RowError
from .schema import ALLOWED_VALUES

_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_WARC_ID_RE = re.compile(r"<urn:[A-Za-z0-9][A-Za-z0-9-]*:[^<>\s]+>")
_RELATIVE_PATH_COLUMNS = frozenset({"warc_file", "path"})
_INT_RANGES = {
    pa.int8(): (-(2**7), 2**7 - 1),
    pa.int16(): (-(2**15), 2**15 - 1),
    pa.int32(): (-(2**31), 2**31 - 1),
    pa.int64(): (-(2**63), 2**63 - 1),
}

Converter = Callable[[Any], Any]


class _Bad(Exception):
    """Internal: a value does not fit; carries the message and the sub-path."""

    def __init__(self, message: str, path: str = ""):
        super().__init__(message)
        self.message = message
        self.path = path


def _show(value: Any) -> str:
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{text} ({type(value).__name__})"


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise _Bad(f"expected a string, got {_show(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _Bad(f"string is not valid Unicode ({exc.reason}): {_show(value)}") from None
    return value


def _integer(type_: pa.DataType) -> Converter:
    lo, hi = _INT_RANGES[type_]

    def convert(value: Any) -> int:
        if isinstance(value, bool):
            raise _Bad(f"expected an integer ({type_}), got {_show(value)}")
        try:
            number = operator.index(value)  # int, numpy integers; not float/str
        except TypeError:
            raise _Bad(f"expected an integer ({type_}), got {_show(value)}") from None
        if not lo <= number <= hi:
            raise _Bad(f"integer {number} out of range for {type_} [{lo}, {hi}]")
        return number

    return convert


def _timestamp(value: Any) -> dt.datetime:
    if isinstance(value, str):
        text = value.strip()
        if text[-1:] in ("Z", "z"):  # Python < 3.11 fromisoformat does not accept "Z"
            text = text[:-1] + "+00:00"
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            raise _Bad(f"expected an ISO 8601 timestamp with offset, got {_show(value)}") from None
        value = parsed
    elif not isinstance(value, dt.datetime):
        raise _Bad(f"expected a timezone-aware datetime or ISO 8601 string, got {_show(value)}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise _Bad(f"timestamp has no timezone/offset (ambiguous instant): {_show(value)}")
    return value.astimezone(dt.timezone.utc)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise _Bad(f"expected a date (not a datetime), got {_show(value)}")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            if len(value) != 10:
                raise ValueError
            return dt.date.fromisoformat(value)
        except ValueError:
            raise _Bad(f"expected an ISO date YYYY-MM-DD, got {_show(value)}") from None
    raise _Bad(f"expected a date or an ISO date string, got {_show(value)}")


def check_value(name: str, value: Any) -> None:
    """Column-name rules (sha256 digests, WARC record ids, relative paths); raises _Bad."""
    if name.endswith("sha256"):
        if not _SHA256_RE.fullmatch(value):
            raise _Bad(f"expected 64 lowercase hex digits, got {_show(value)}")
    elif name == "warc_record_id":
        if not _WARC_ID_RE.fullmatch(value):
            raise _Bad(f"expected a WARC record id like '<urn:uuid:...>', got {_show(value)}")
    elif name in _RELATIVE_PATH_COLUMNS:
        parts = value.split("/")
        if not value or value.startswith("/") or "\\" in value or ":" in parts[0] or ".." in parts:
            raise _Bad(f"expected a relative path inside the archive (no '..'), got {_show(value)}")


def _list(item: Converter) -> Converter:
    def convert(value: Any) -> list:
        if not isinstance(value, (list, tuple)):
            raise _Bad(f"expected a list, got {_show(value)}")
        out = []
        for i, element in enumerate(value):
            if element is None:
                raise _Bad("list elements may not be null", f"[{i}]")
            try:
                out.append(item(element))
            except _Bad as bad:
                raise _Bad(bad.message, f"[{i}]{bad.path}") from None
        return out

    return convert


def _struct(type_: pa.StructType) -> Converter:
    fields = {type_.field(i).name: type_.field(i) for i in range(type_.num_fields)}
    converters = {name: converter_for(f.type) for name, f in fields.items()}

    def convert(value: Any) -> dict:
        if not isinstance(value, Mapping):
            raise _Bad(f"expected a dict with keys {sorted(fields)}, got {_show(value)}")
        unknown = [k for k in value if k not in fields]
        if unknown:
            raise _Bad(f"unknown key {unknown[0]!r} (allowed: {', '.join(fields)})")
        out = {}
        for name, f in fields.items():
            v = value.get(name)
            if v is None:
                if not f.nullable:
                    raise _Bad("value is required (not nullable)", f".{name}")
                out[name] = None
                continue
            try:
                out[name] = converters[name](v)
                if isinstance(out[name], str):
                    check_value(name, out[name])
            except _Bad as bad:
                raise _Bad(bad.message, f".{name}{bad.path}") from None
        return out

    return convert


def converter_for(type_: pa.DataType) -> Converter:
    """Return a function validating/normalising a non-null Python value for ``type_``."""
    if pa.types.is_string(type_) or pa.types.is_large_string(type_):
        return _string
    if type_ in _INT_RANGES:
        return _integer(type_)
    if pa.types.is_timestamp(type_):
        return _timestamp
    if pa.types.is_date32(type_):
        return _date
    if pa.types.is_list(type_) or pa.types.is_large_list(type_):
        return _list(converter_for(type_.value_type))
    if pa.types.is_struct(type_):
        return _struct(type_)
    raise TypeError(f"no converter for Arrow type {type_}")


class RowConverter:
    """Checks rows for one table; ``convert(row)`` returns a new, normalised dict."""

    def __init__(self, table: str, schema: pa.Schema):
        self.table = table
        self.schema = schema
        self._fields = [(f.name, f.nullable, converter_for(f.type)) for f in schema]
        self._names = frozenset(schema.names)
        self._allowed = {col: values for (t, col), values in ALLOWED_VALUES.items() if t == table}

    def convert(self, row: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(row, Mapping):
            raise RowError(self.table, None, f"a row must be a dict, got {_show(row)}")
        for key in row:
            if key not in self._names:
                raise RowError(
                    self.table, str(key), f"unknown key {key!r} (table columns: {', '.join(self.schema.names)})"
                )
        out: dict[str, Any] = {}
        for name, nullable, convert in self._fields:
            value = row.get(name)
            if value is None:
                if not nullable:
                    raise RowError(self.table, name, "value is required (column is not nullable)")
                out[name] = None
                continue
            try:
                value = convert(value)
                if isinstance(value, str):
                    check_value(name, value)
            except _Bad as bad:
                raise RowError(self.table, name + bad.path, bad.message) from None
            allowed = self._allowed.get(name)
            if allowed is not None and value not in allowed:
                raise RowError(self.table, name, f"{value!r} is not one of {', '.join(allowed)}")
            out[name] = value
        return out
