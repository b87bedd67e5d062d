"""Storyboards: contiguous frame order, editing, and merging the AI's enhancements."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from npc_core.errors import DomainValidationError
from npc_core.model import Frame, Storyboard, check_frames, from_user, merge_enhanced, renumber
from npc_core.model.storyboard import EDITABLE

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
LATER = datetime(2024, 5, 1, 13, 0, tzinfo=UTC)

TEXTS = ["", "雨夜", "街角", "close-up"]
EFFECTS: list[tuple[str, ...]] = [(), ("fade",), ("rain", "slow motion")]
# Every combination of contents and of which non-empty fields the user wrote.
CONTENTS = [
    (scene, dialogue, camera, fx, written)
    for scene in TEXTS
    for dialogue in TEXTS[:3]
    for camera in TEXTS[::3]
    for fx in EFFECTS
    for written in (frozenset(), frozenset(EDITABLE), frozenset(EDITABLE[1::2]))
]


def _frame(order: int, content: tuple[str, str, str, tuple[str, ...], frozenset[str]]) -> Frame:
    scene, dialogue, camera, fx, written = content
    frame = Frame(order, scene, dialogue, camera, fx, f"https://img/{order}.png" if scene else None)
    return attrs.evolve(frame, user_fields=frozenset(f for f in written if getattr(frame, f)))


def frame_lists(max_size: int = 7) -> st.SearchStrategy[list[Frame]]:
    """Frames numbered 1..n with a mix of fields, some written by the user."""
    return st.lists(st.sampled_from(CONTENTS), max_size=max_size).map(
        lambda contents: [_frame(i + 1, c) for i, c in enumerate(contents)]
    )


SIMPLE_FRAMES = [Frame(order=o, dialogue=t) for o in range(1, 61) for t in TEXTS]


def _tagged(count: int) -> tuple[Frame, ...]:
    """Frames whose scene names them, so their identity survives renumbering."""
    return tuple(Frame(order=i + 1, scene_description=f"s{i}") for i in range(count))


def _storyboard(frames: tuple[Frame, ...]) -> Storyboard:
    return Storyboard("sb1", "u1", "st1", "w1", "分镜", frames, NOW, NOW)


def _scenes(board: Storyboard) -> list[str]:
    return [f.scene_description for f in board.frames]


@given(st.lists(st.sampled_from(SIMPLE_FRAMES), max_size=30))
def test_renumber_makes_any_sequence_contiguous(frames: list[Frame]) -> None:
    """Renumbered frames pass `check_frames` and keep their sequence and content."""
    renumbered = renumber(frames)
    check_frames(renumbered)
    assert [attrs.evolve(f, order=1) for f in renumbered] == [
        attrs.evolve(f, order=1) for f in frames
    ]


@given(st.lists(st.integers(1, 60), unique=True, max_size=30))
def test_from_user_orders_frames_by_their_numbers(orders: list[int]) -> None:
    """User frames with unique numbers come back sorted by them and numbered 1..n."""
    frames = [Frame(order=o, dialogue=str(o)) for o in orders]
    result = from_user(frames)
    check_frames(result)
    assert [f.dialogue for f in result] == [str(o) for o in sorted(orders)]


def test_from_user_rejects_repeated_numbers() -> None:
    """Two user frames with the same number are a validation error on the list."""
    with pytest.raises(DomainValidationError) as caught:
        from_user([Frame(order=2), Frame(order=1), Frame(order=2)])
    assert caught.value.field == "userFrames"


@given(st.integers(1, 60), st.data())
def test_check_frames_names_the_first_frame_out_of_sequence(
    count: int, data: st.DataObject
) -> None:
    """A frame numbered other than its place is reported at that place."""
    frames = list(_tagged(count))
    index = data.draw(st.integers(0, count - 1))
    wrong = data.draw(st.integers(1, 60).filter(lambda o: o != index + 1))
    frames[index] = attrs.evolve(frames[index], order=wrong)
    with pytest.raises(DomainValidationError) as caught:
        check_frames(frames)
    assert caught.value.field == f"frames[{index}].order"


def test_at_most_sixty_frames() -> None:
    """Sixty frames are fine; a sixty-first is refused by every entry point."""
    check_frames(_tagged(60))
    too_many = [*_tagged(60), Frame(order=60)]
    with pytest.raises(DomainValidationError) as caught:
        check_frames(too_many)
    assert caught.value.field == "frames"
    with pytest.raises(DomainValidationError):
        renumber(too_many)
    with pytest.raises(DomainValidationError) as caught:
        _storyboard(_tagged(60)).insert(61, Frame(order=1), LATER)
    assert caught.value.field == "frames"


@pytest.mark.parametrize(("field", "value"), [("order", 0), ("order", 61)])
def test_frame_order_lies_between_one_and_sixty(field: str, value: int) -> None:
    """A frame numbered outside 1..60 is rejected, naming `order`."""
    with pytest.raises(DomainValidationError) as caught:
        Frame(order=value)
    assert caught.value.field == field


def test_frame_effects_are_stripped_and_bounded() -> None:
    """Blank effects disappear; more than twenty is a validation error."""
    assert Frame(order=1, visual_effects=[" rain ", "", "  "]).visual_effects == ("rain",)
    with pytest.raises(DomainValidationError) as caught:
        Frame(order=1, visual_effects=[f"e{i}" for i in range(21)])
    assert caught.value.field == "visualEffects"


def test_written_by_user_marks_the_non_empty_fields() -> None:
    """A frame the user wrote counts its non-empty editable fields as the user's."""
    frame = Frame.written_by_user(3, dialogue="走吧", visual_effects=["rain"])
    assert frame.user_fields == {"dialogue", "visual_effects"}


def test_storyboard_refuses_frames_out_of_sequence() -> None:
    """A storyboard's frames must be numbered 1..n."""
    with pytest.raises(DomainValidationError) as caught:
        _storyboard((Frame(order=1), Frame(order=3)))
    assert caught.value.field == "frames[1].order"


@given(st.integers(0, 59), st.data())
def test_insert_puts_the_frame_at_its_position_and_keeps_order_contiguous(
    count: int, data: st.DataObject
) -> None:
    """Inserting at position p makes the new frame number p and shifts the rest down."""
    board = _storyboard(_tagged(count))
    position = data.draw(st.integers(1, count + 1))
    after = board.insert(
        position, Frame(order=data.draw(st.integers(1, 60)), scene_description="new"), LATER
    )
    expected = _scenes(board)
    expected.insert(position - 1, "new")
    assert _scenes(after) == expected
    check_frames(after.frames)
    assert after.updated_at == LATER


@given(st.integers(1, 60), st.data())
def test_remove_drops_one_frame_and_keeps_order_contiguous(count: int, data: st.DataObject) -> None:
    """Removing frame n moves the later frames up by one."""
    board = _storyboard(_tagged(count))
    order = data.draw(st.integers(1, count))
    after = board.remove(order, LATER)
    expected = _scenes(board)
    del expected[order - 1]
    assert _scenes(after) == expected
    check_frames(after.frames)


@given(st.integers(1, 60), st.data())
def test_move_puts_the_frame_at_its_target_and_keeps_order_contiguous(
    count: int, data: st.DataObject
) -> None:
    """Moving frame a to b makes it frame b; the others keep their relative order."""
    board = _storyboard(_tagged(count))
    source = data.draw(st.integers(1, count))
    target = data.draw(st.integers(1, count))
    after = board.move(source, target, LATER)
    moved = board.frames[source - 1].scene_description
    assert after.frames[target - 1].scene_description == moved
    assert [s for s in _scenes(after) if s != moved] == [s for s in _scenes(board) if s != moved]
    check_frames(after.frames)


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda b: b.insert(0, Frame(order=1), LATER), "position"),
        (lambda b: b.insert(5, Frame(order=1), LATER), "position"),
        (lambda b: b.remove(0, LATER), "order"),
        (lambda b: b.remove(4, LATER), "order"),
        (lambda b: b.move(4, 1, LATER), "from"),
        (lambda b: b.move(1, 0, LATER), "to"),
    ],
)
def test_edits_outside_the_storyboard_name_their_argument(edit: object, field: str) -> None:
    """Positions outside the storyboard are validation errors naming the argument."""
    board = _storyboard(_tagged(3))
    assert callable(edit)
    with pytest.raises(DomainValidationError) as caught:
        edit(board)
    assert caught.value.field == field


accepted_pairs = st.frozensets(
    st.sampled_from([(o, f) for o in range(1, 8) for f in EDITABLE]), max_size=10
)


@given(frame_lists(), frame_lists(), accepted_pairs)
def test_merge_keeps_every_user_field_that_was_not_accepted(
    user: list[Frame], ai: list[Frame], accepted: frozenset[tuple[int, str]]
) -> None:
    """A user-written field keeps its value unless (order, field) was accepted.

    Every other field takes the AI's value when the AI gave one; the image stays.
    """
    merged = merge_enhanced(user, ai, accepted)
    for index, (before, after) in enumerate(zip(user, merged, strict=False)):
        theirs = ai[index] if index < len(ai) else Frame(order=before.order)
        for name in EDITABLE:
            mine = name in before.user_fields and (before.order, name) not in accepted
            if mine or not getattr(theirs, name):
                assert getattr(after, name) == getattr(before, name)
            else:
                assert getattr(after, name) == getattr(theirs, name)
            assert (name in after.user_fields) is (
                mine or (name in before.user_fields and not getattr(theirs, name))
            )
        assert after.image_url == before.image_url


@given(frame_lists(), frame_lists(), accepted_pairs)
def test_merge_appends_extra_ai_frames_and_stays_contiguous(
    user: list[Frame], ai: list[Frame], accepted: frozenset[tuple[int, str]]
) -> None:
    """The merge is numbered 1..n, n = the longer side; extra AI frames are nobody's."""
    merged = merge_enhanced(user, ai, accepted)
    check_frames(merged)
    assert len(merged) == max(len(user), len(ai))
    for theirs, after in zip(ai[len(user) :], merged[len(user) :], strict=True):
        assert after == attrs.evolve(theirs, user_fields=frozenset())


@given(frame_lists(), frame_lists(), accepted_pairs)
def test_merging_the_same_enhancement_twice_changes_nothing(
    user: list[Frame], ai: list[Frame], accepted: frozenset[tuple[int, str]]
) -> None:
    """Merging the AI's frames into an already merged storyboard is a no-op."""
    once = merge_enhanced(user, ai, accepted)
    assert merge_enhanced(once, ai, accepted) == once


def test_merge_caps_at_sixty_frames() -> None:
    """AI frames beyond sixty are cut off."""
    ai = [Frame(order=min(i, 60), dialogue=str(i)) for i in range(1, 71)]
    merged = merge_enhanced(_tagged(2), ai)
    assert len(merged) == 60
    check_frames(merged)


def test_merge_example_keeps_the_users_dialogue_and_takes_the_ais_camera() -> None:
    """The user's dialogue stays, the AI fills the camera, an accepted scene is replaced."""
    user = [Frame.written_by_user(1, scene_description="雨夜", dialogue="走吧")]
    ai = [Frame(order=1, scene_description="暴雨的夜晚", dialogue="我们走", camera="特写")]
    (frame,) = merge_enhanced(user, ai, {(1, "scene_description")})
    assert (frame.scene_description, frame.dialogue, frame.camera) == ("暴雨的夜晚", "走吧", "特写")
    assert frame.user_fields == {"dialogue"}
