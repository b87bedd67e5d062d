"""Storyboards: ordered frames, contiguous from 1, at most 60, edited with the AI."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, Final

import attrs

from npc_core.errors import DomainValidationError
from npc_core.model import _checks, limits
from npc_core.model.json import JsonObject

# The frame fields a user writes and the AI may enhance.
EDITABLE: Final = ("scene_description", "dialogue", "camera", "visual_effects")


def _names(values: Iterable[str]) -> frozenset[str]:
    return frozenset(values)


def _frames(values: Iterable[Frame]) -> tuple[Frame, ...]:
    return tuple(values)


def _effects(values: object) -> tuple[str, ...]:
    if not isinstance(values, list | tuple):
        return ()
    return tuple(s for s in (str(v).strip() for v in values) if s)


@attrs.frozen
class Frame:
    """One frame of a storyboard; `user_fields` names the fields the user wrote."""

    order: int = attrs.field(validator=_checks.integer_in(1, limits.FRAMES))
    scene_description: str = attrs.field(
        default="", validator=_checks.text(limits.FRAME_FIELD, allow_empty=True)
    )
    dialogue: str = attrs.field(
        default="", validator=_checks.text(limits.FRAME_FIELD, allow_empty=True)
    )
    camera: str = attrs.field(default="", validator=_checks.text(limits.TITLE, allow_empty=True))
    visual_effects: tuple[str, ...] = attrs.field(
        default=(), converter=_effects, validator=_checks.at_most(limits.VISUAL_EFFECTS)
    )
    image_url: str | None = attrs.field(default=None, validator=_checks.optional_text(limits.URL))
    user_fields: frozenset[str] = attrs.field(default=frozenset(), converter=_names)

    @classmethod
    def written_by_user(cls, order: int, **fields: object) -> Frame:
        """A frame whose non-empty editable fields all count as the user's."""
        frame = cls(order=order, **fields)  # type: ignore[arg-type]
        return attrs.evolve(frame, user_fields=frozenset(f for f in EDITABLE if getattr(frame, f)))


def check_frames(frames: Sequence[Frame], field: str = "frames") -> None:
    """Frames are numbered 1..n in sequence, n <= 60."""
    if len(frames) > limits.FRAMES:
        raise DomainValidationError(field, f"must have at most {limits.FRAMES} items")
    for index, frame in enumerate(frames):
        if frame.order != index + 1:
            raise DomainValidationError(f"{field}[{index}].order", f"must be {index + 1}")


def renumber(frames: Sequence[Frame]) -> tuple[Frame, ...]:
    """The frames in their current sequence, numbered 1..n."""
    if len(frames) > limits.FRAMES:
        raise DomainValidationError("frames", f"must have at most {limits.FRAMES} items")
    return tuple(attrs.evolve(f, order=i + 1) for i, f in enumerate(frames))


def from_user(frames: Sequence[Frame], field: str = "userFrames") -> tuple[Frame, ...]:
    """User frames in the order of their `order` numbers, which must be unique."""
    orders = [f.order for f in frames]
    if len(set(orders)) != len(orders):
        raise DomainValidationError(field, "frame orders must be unique")
    return renumber(sorted(frames, key=lambda f: f.order))


def merge_enhanced(
    user_frames: Sequence[Frame],
    ai_frames: Sequence[Frame],
    accepted: Collection[tuple[int, str]] = (),
) -> tuple[Frame, ...]:
    """Merge the AI's enhanced frames into the user's.

    Frame n of the AI enhances frame n of the user. A field the user wrote stays the
    user's unless `(n, field)` is in `accepted`; other fields take the AI's value when
    it gave one. AI frames past the user's last frame are appended, up to 60.
    """
    by_order = {f.order: f for f in ai_frames}
    merged: list[Frame] = []
    for frame in user_frames:
        ai = by_order.get(frame.order)
        if ai is None:
            merged.append(frame)
            continue
        changes: dict[str, Any] = {}
        user_fields = set(frame.user_fields)
        for name in EDITABLE:
            theirs = getattr(ai, name)
            if not theirs:
                continue
            if name in frame.user_fields and (frame.order, name) not in accepted:
                continue
            changes[name] = theirs
            user_fields.discard(name)
        merged.append(attrs.evolve(frame, **changes, user_fields=frozenset(user_fields)))
    extra = sorted((f for f in ai_frames if f.order > len(user_frames)), key=lambda f: f.order)
    merged.extend(attrs.evolve(f, user_fields=frozenset()) for f in extra)
    return renumber(merged[: limits.FRAMES])


@attrs.frozen
class Storyboard:
    """An ordered list of frames a user laid out for a story, with the AI's help."""

    id: str
    user_id: str
    story_id: str
    work_id: str
    title: str = attrs.field(validator=_checks.text(limits.TITLE))
    frames: tuple[Frame, ...] = attrs.field(converter=_frames)
    created_at: datetime
    updated_at: datetime
    style_preference: JsonObject = attrs.field(factory=dict)
    visual_suggestions: tuple[str, ...] = ()
    version: int = 1

    def __attrs_post_init__(self) -> None:
        check_frames(self.frames)

    def with_frames(self, frames: Sequence[Frame], now: datetime) -> Storyboard:
        """Replace the frames (already numbered 1..n)."""
        return attrs.evolve(self, frames=tuple(frames), updated_at=now)

    def insert(self, position: int, frame: Frame, now: datetime) -> Storyboard:
        """Insert `frame` so that it becomes frame `position` (1-based)."""
        if not 1 <= position <= len(self.frames) + 1:
            raise DomainValidationError("position", f"must be between 1 and {len(self.frames) + 1}")
        frames = list(self.frames)
        frames.insert(position - 1, frame)
        return self.with_frames(renumber(frames), now)

    def remove(self, order: int, now: datetime) -> Storyboard:
        """Remove frame `order`; the frames after it move up."""
        self._check_order(order, "order")
        return self.with_frames(renumber([f for f in self.frames if f.order != order]), now)

    def move(self, from_order: int, to_order: int, now: datetime) -> Storyboard:
        """Move frame `from_order` so that it becomes frame `to_order`."""
        self._check_order(from_order, "from")
        self._check_order(to_order, "to")
        frames = list(self.frames)
        frames.insert(to_order - 1, frames.pop(from_order - 1))
        return self.with_frames(renumber(frames), now)

    def _check_order(self, order: int, field: str) -> None:
        if not 1 <= order <= len(self.frames):
            raise DomainValidationError(field, f"must be between 1 and {len(self.frames)}")
