"""Chat sessions with a character, and collaborative sessions with their log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from npc_core.errors import DomainValidationError
from npc_core.model import (
    ChatMessage,
    ChatSession,
    CollaborativeSession,
    Contributor,
    Role,
    SessionType,
    recent_history,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

questions = st.sampled_from(["你好", "你为什么这样做？", "Who are you?"])
replies = st.sampled_from(["我是泰勒。", "", "   ", "因为我想。"])
emotions = st.sampled_from([None, "平静", "愤怒"])


def _chat() -> ChatSession:
    return ChatSession("s1", "u1", "tyler", NOW, NOW)


@given(st.lists(st.tuples(questions, replies, emotions), max_size=10))
def test_exchanges_number_messages_from_one_in_turn(
    turns: list[tuple[str, str, str | None]],
) -> None:
    """Each exchange adds the user's message then the character's, numbered 1, 2, 3, ..."""
    session = _chat()
    messages: list[ChatMessage] = []
    mood = None
    for tick, (question, reply, emotion) in enumerate(turns, start=1):
        now = NOW + timedelta(seconds=tick)
        session, asked, answered = session.exchange(question, reply, emotion, now)
        messages += [asked, answered]
        mood = emotion or mood
        assert (asked.content, asked.role) == (question, Role.USER)
        assert answered.role is Role.CHARACTER
        assert answered.content == (reply.strip() or "……")
        assert answered.emotion == emotion
        assert session.updated_at == now
    assert [m.seq for m in messages] == list(range(1, 2 * len(turns) + 1))
    assert {m.session_id for m in messages} <= {"s1"}
    assert session.message_count == len(messages)
    assert session.emotion == mood


@pytest.mark.parametrize("question", ["", "   ", "问" * 2_001])
def test_a_blank_or_overlong_question_is_refused(question: str) -> None:
    """The user's message must say something, in at most 2000 characters."""
    with pytest.raises(DomainValidationError) as caught:
        _chat().exchange(question, "好", None, NOW)
    assert caught.value.field == "message"


def test_a_session_is_bound_to_its_character() -> None:
    """Asking a session about another character is a validation error."""
    _chat().ensure_character("tyler")
    with pytest.raises(DomainValidationError) as caught:
        _chat().ensure_character("marla")
    assert caught.value.field == "characterId"


def _message(seq: int) -> ChatMessage:
    return ChatMessage("s1", seq, Role.USER if seq % 2 else Role.CHARACTER, f"m{seq}", NOW)


@given(st.permutations(range(1, 31)), st.integers(1, 40))
def test_recent_history_is_the_last_turns_in_order(order: list[int], turns: int) -> None:
    """The workflow sees the last `turns` messages, oldest first, whatever the input order."""
    history = recent_history([_message(seq) for seq in order], turns)
    assert [m.seq for m in history] == list(range(max(1, 31 - turns), 31))


def test_recent_history_of_zero_turns_is_empty() -> None:
    """Asking for no history gives none, not all of it."""
    assert recent_history([_message(seq) for seq in range(1, 6)], 0) == []


@pytest.mark.parametrize(("changes", "field"), [({"seq": 0}, "seq"), ({"content": " "}, "content")])
def test_chat_message_fields_are_validated(changes: dict[str, object], field: str) -> None:
    """Messages are numbered from 1 and say something."""
    fields: dict[str, object] = {
        "session_id": "s1",
        "seq": 1,
        "role": Role.USER,
        "content": "你好",
        "created_at": NOW,
    }
    with pytest.raises(DomainValidationError) as caught:
        ChatMessage(**{**fields, **changes})  # type: ignore[arg-type]
    assert caught.value.field == field


def _collab() -> CollaborativeSession:
    return CollaborativeSession("cs1", "u1", "tyler", SessionType.TRAITS, NOW, NOW)


@given(st.lists(st.sampled_from(Contributor), max_size=12))
def test_log_entries_are_numbered_from_one_in_order(who: list[Contributor]) -> None:
    """Every contribution gets the next number; the session counts them."""
    session = _collab()
    seqs = []
    for tick, contributor in enumerate(who, start=1):
        now = NOW + timedelta(seconds=tick)
        session, entry = session.log("suggest", contributor, {"n": tick}, f"e{tick}", now)
        assert (entry.session_id, entry.contributor, entry.created_at) == ("cs1", contributor, now)
        assert session.updated_at == now
        seqs.append(entry.seq)
    assert seqs == list(range(1, len(who) + 1))
    assert session.entries == len(who)


def test_a_collaborative_session_is_about_one_character_and_one_kind_of_work() -> None:
    """Reusing a session for another character or another kind of work is refused."""
    session = _collab()
    session.ensure_about("tyler", SessionType.TRAITS)
    with pytest.raises(DomainValidationError) as caught:
        session.ensure_about("marla", SessionType.TRAITS)
    assert caught.value.field == "characterId"
    with pytest.raises(DomainValidationError) as caught:
        session.ensure_about("tyler", SessionType.STORY)
    assert caught.value.field == "sessionId"


def test_a_log_entry_needs_an_action() -> None:
    """The action type of a contribution is not blank."""
    with pytest.raises(DomainValidationError) as caught:
        _collab().log(" ", Contributor.USER, {}, "e1", NOW)
    assert caught.value.field == "actionType"
