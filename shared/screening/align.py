"""Align the tokens of two names.

Best single-token pairs first (greedy on similarity, then weight, then position), then the
many-to-one cases on what is left: a symbol spanning several tokens (`U.S.` = `United States`),
a word split or merged (`Good Will` = `Goodwill`, `VladimirPutin`), an acronym (`PLA` =
`People's Liberation Army`).
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.screening.similarity import SIM_SYMBOL, fuzzy_similarity, token_similarity
from shared.screening.tokens import WEIGHT_NAME, NameForm, Token

MIN_PAIR_SIMILARITY = 0.5
MIN_JOINED_SIMILARITY = 0.8
MAX_JOINED_PARTS = 3
SIM_ACRONYM = 0.9


@dataclass(frozen=True, slots=True)
class Pair:
    query: tuple[int, ...]
    candidate: tuple[int, ...]
    similarity: float
    rule: str
    """exact, number, symbol, initial, typo, joined, acronym"""


@dataclass(frozen=True, slots=True)
class Alignment:
    pairs: tuple[Pair, ...]
    query_extra: tuple[int, ...]
    candidate_extra: tuple[int, ...]


@dataclass(slots=True)
class _State:
    pairs: list[Pair]
    used_q: set[int]
    used_c: set[int]

    def take(self, pair: Pair) -> None:
        self.pairs.append(pair)
        self.used_q.update(pair.query)
        self.used_c.update(pair.candidate)


def align(query: NameForm, candidate: NameForm) -> Alignment:
    state = _State([], set(), set())
    _pair_tokens(query.tokens, candidate.tokens, state, candidate.name_class != "person")
    if len(state.used_q) < len(query.tokens) and len(state.used_c) < len(candidate.tokens):
        _pair_spans(query, candidate, state)
        whole_acronym = candidate.name_class != "person"
        _pair_joined(query.tokens, candidate.tokens, state, whole_acronym)
    _drop_lone_initials(query.tokens, candidate.tokens, state)
    q_extra = tuple(i for i in range(len(query.tokens)) if i not in state.used_q)
    c_extra = tuple(j for j in range(len(candidate.tokens)) if j not in state.used_c)
    return Alignment(tuple(state.pairs), q_extra, c_extra)


def _pair_tokens(
    query: tuple[Token, ...], candidate: tuple[Token, ...], state: _State, sounds: bool
) -> None:
    _pair_identical(query, candidate, state)
    scored: list[tuple[float, float, float, int, int, str]] = []
    q_len, c_len = len(query), len(candidate)
    for i, left in enumerate(query):
        if i in state.used_q:
            continue
        for j, right in enumerate(candidate):
            if j in state.used_c:
                continue
            similarity, rule = token_similarity(left, right, sounds)
            if similarity >= MIN_PAIR_SIMILARITY:
                drift = -abs(i / q_len - j / c_len)
                scored.append((similarity, left.weight + right.weight, drift, i, j, rule))
    scored.sort(reverse=True)
    for similarity, _, _, i, j, rule in scored:
        if i not in state.used_q and j not in state.used_c:
            state.take(Pair((i,), (j,), similarity, rule))


def _pair_identical(query: tuple[Token, ...], candidate: tuple[Token, ...], state: _State) -> None:
    """Identical tokens pair first, each with the nearest free twin: most pairs are these."""
    positions: dict[str, list[int]] = {}
    for j, token in enumerate(candidate):
        positions.setdefault(token.text, []).append(j)
    for i, token in enumerate(query):
        twins = positions.get(token.text)
        if not twins:
            continue
        free = [j for j in twins if j not in state.used_c]
        if not free:
            continue
        j = min(free, key=lambda j: abs(j - i))
        if token.native is not None and token.native != candidate[j].native:
            continue  # same transliteration, different characters: 高市 / 高石
        rule = "number" if token.number is not None else "exact"
        state.take(Pair((i,), (j,), 1.0, rule))


def _pair_spans(query: NameForm, candidate: NameForm, state: _State) -> None:
    """One token against a symbol over several tokens of the other name, either way round."""
    for span in candidate.spans:
        if any(j in state.used_c for j in range(span.start, span.end)):
            continue
        for i, token in enumerate(query.tokens):
            if i not in state.used_q and span.symbol in token.symbols:
                state.take(Pair((i,), tuple(range(span.start, span.end)), SIM_SYMBOL, "symbol"))
                break
    for span in query.spans:
        if any(i in state.used_q for i in range(span.start, span.end)):
            continue
        for j, token in enumerate(candidate.tokens):
            if j not in state.used_c and span.symbol in token.symbols:
                state.take(Pair(tuple(range(span.start, span.end)), (j,), SIM_SYMBOL, "symbol"))
                break


def _pair_joined(
    query: tuple[Token, ...], candidate: tuple[Token, ...], state: _State, whole_acronym: bool
) -> None:
    if not _could_join(query, state.used_q, candidate, state.used_c):
        return
    for i, token in enumerate(query):
        if i not in state.used_q:
            found = _best_run(token.text, candidate, state.used_c, whole_acronym)
            if found is not None:
                run, similarity, rule = found
                state.take(Pair((i,), run, similarity, rule))
    for j, token in enumerate(candidate):
        if j not in state.used_c:
            found = _best_run(token.text, query, state.used_q, whole_acronym)
            if found is not None:
                run, similarity, rule = found
                state.take(Pair(run, (j,), similarity, rule))


def _could_join(
    query: tuple[Token, ...], used_q: set[int], candidate: tuple[Token, ...], used_c: set[int]
) -> bool:
    """Cheap test before `_best_run`: a word can only be two or three free words of the other
    name joined (or their initials) if it is about as long as two of them, or very short."""
    q_free = [len(t.text) for i, t in enumerate(query) if i not in used_q]
    c_free = [len(t.text) for j, t in enumerate(candidate) if j not in used_c]
    if not q_free or not c_free:
        return False
    if min(q_free) <= MAX_JOINED_PARTS or min(c_free) <= MAX_JOINED_PARTS:
        return True  # an acronym or initials
    q_pair, c_pair = sum(sorted(q_free)[:2]), sum(sorted(c_free)[:2])
    return (len(c_free) > 1 and max(q_free) + 3 >= c_pair) or (
        len(q_free) > 1 and max(c_free) + 3 >= q_pair
    )


def _best_run(
    text: str, tokens: tuple[Token, ...], used: set[int], whole_acronym: bool
) -> tuple[tuple[int, ...], float, str] | None:
    """The run of adjacent free tokens that, joined or as initials, best gives `text`.

    A person is not identified by initials alone (`N.N.` is not Nursultan Nazarbayev), so for
    persons an acronym may stand for some names (`JC` Juncker), never for all of them.
    """
    best: tuple[tuple[int, ...], float, str] | None = None
    for start in range(len(tokens)):
        joined, initials = "", ""
        for end in range(start, min(start + MAX_JOINED_PARTS, len(tokens))):
            if end in used or tokens[end].number is not None:
                break
            joined += tokens[end].text
            initials += tokens[end].text[0]
            if end == start:
                continue
            run = tuple(range(start, end + 1))
            whole = start == 0 and end == len(tokens) - 1
            if len(text) >= 2 and initials == text and (whole_acronym or not whole):
                best = (run, SIM_ACRONYM, "acronym")
            elif len(joined) <= len(text) + 3:
                similarity = fuzzy_similarity(text, joined)
                if similarity >= MIN_JOINED_SIMILARITY and (best is None or similarity > best[1]):
                    best = (run, similarity, "joined")
    return best


def _drop_lone_initials(
    query: tuple[Token, ...], candidate: tuple[Token, ...], state: _State
) -> None:
    """An initial stands for a name only when the rest of its name is accounted for.

    `Vladimir P. Kononov` leaves `Kononov` unmatched against `Vladimir Putin`: its `P` is then a
    different name, not Putin's initial.
    """
    for pair in [p for p in state.pairs if p.rule == "initial"]:
        on_query = query[pair.query[0]].initial
        tokens, used = (query, state.used_q) if on_query else (candidate, state.used_c)
        if any(i not in used and t.weight >= WEIGHT_NAME for i, t in enumerate(tokens)):
            state.pairs.remove(pair)
            state.used_q.difference_update(pair.query)
            state.used_c.difference_update(pair.candidate)
