"""attrs validators that raise `DomainValidationError` naming the field."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sized
from typing import Any

import attrs

from npc_core.errors import DomainValidationError

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


@functools.cache  # validators run on every entity built; field names are few
def camel(name: str) -> str:
    """The wire spelling of a field: `user_insight` -> `userInsight`."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


# The validators below first try the common case inline and only call the `check_*`
# function (which names the field) for what may fail: every entity read from the
# database runs them, and a search page builds twenty films.


def text(max_len: int, *, allow_empty: bool = False) -> Validator:
    """A string of at most `max_len` characters, not blank unless allowed."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if (
            type(value) is str
            and len(value) <= max_len
            and (allow_empty or (value and not value.isspace()))
        ):
            return
        check_text(camel(attribute.name), value, max_len, allow_empty=allow_empty)

    return check


def optional_text(max_len: int) -> Validator:
    """None, or a string of at most `max_len` characters."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None or (type(value) is str and len(value) <= max_len):
            return
        check_text(camel(attribute.name), value, max_len, allow_empty=True)

    return check


def check_text(field: str, value: object, max_len: int, *, allow_empty: bool = False) -> str:
    """Return `value` if it is an acceptable string, else raise for `field`."""
    if not isinstance(value, str):
        raise DomainValidationError(field, "must be a string")
    if not allow_empty and not value.strip():
        raise DomainValidationError(field, "must not be empty")
    if len(value) > max_len:
        raise DomainValidationError(field, f"must be at most {max_len} characters")
    return value


def number_in(lo: float, hi: float) -> Validator:
    """A finite number within [lo, hi]."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if type(value) is float and lo <= value <= hi and math.isfinite(value):
            return
        check_number(camel(attribute.name), value, lo, hi)

    return check


def optional_number_in(lo: float, hi: float) -> Validator:
    """None, or a finite number within [lo, hi]."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None or (type(value) is float and lo <= value <= hi and math.isfinite(value)):
            return
        check_number(camel(attribute.name), value, lo, hi)

    return check


def integer_in(lo: int, hi: int) -> Validator:
    """A whole number within [lo, hi]."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if type(value) is int and lo <= value <= hi:
            return
        check_integer(camel(attribute.name), value, lo, hi)

    return check


def optional_integer_in(lo: int, hi: int) -> Validator:
    """None, or a whole number within [lo, hi]."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None or (type(value) is int and lo <= value <= hi):
            return
        check_integer(camel(attribute.name), value, lo, hi)

    return check


def check_integer(field: str, value: object, lo: int, hi: int) -> int:
    """Return `value` if it is a whole number within [lo, hi], else raise for `field`."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainValidationError(field, "must be a whole number")
    if not lo <= value <= hi:
        raise DomainValidationError(field, f"must be between {lo} and {hi}")
    return value


def check_number(field: str, value: object, lo: float, hi: float) -> float:
    """Return `value` if it is a finite number within [lo, hi], else raise for `field`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DomainValidationError(field, "must be a number")
    if not math.isfinite(value) or not lo <= value <= hi:
        raise DomainValidationError(field, f"must be between {lo:g} and {hi:g}")
    return float(value)


def at_most(count: int) -> Validator:
    """A collection of at most `count` items."""

    def check(_: object, attribute: attrs.Attribute[Any], value: Sized) -> None:
        if len(value) > count:
            raise DomainValidationError(camel(attribute.name), f"must have at most {count} items")

    return check
