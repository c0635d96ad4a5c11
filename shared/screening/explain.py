"""Say in words why two names scored what they did: which tokens matched how, what was left over,
which rule fired."""

from __future__ import annotations

from shared.screening.align import Pair
from shared.screening.score import NameScore
from shared.screening.tokens import NameForm, Token

_HOW = {
    "exact": "=",
    "number": "=",
    "symbol": "≈",
    "initial": "≈",
    "typo": "~",
    "joined": "~",
    "acronym": "≈",
    "sound": "~",
}
_RULE_WORDS = {
    "symbol": "same name or word class",
    "initial": "initial",
    "typo": "typo",
    "joined": "split/joined",
    "acronym": "acronym",
    "sound": "sounds alike",
}


def explain_names(query: NameForm, candidate: NameForm, scored: NameScore) -> str:
    if not scored.alignment.pairs:
        return f"name: {', '.join(scored.rules) or 'no token in common'}"
    parts = [_pair_text(query, candidate, pair) for pair in scored.alignment.pairs]
    text = "tokens " + ", ".join(parts)
    q_extra = [query.tokens[i].text for i in scored.alignment.query_extra]
    c_extra = [candidate.tokens[j].text for j in scored.alignment.candidate_extra]
    if q_extra:
        text += f"; only in query: {' '.join(q_extra)}"
    if c_extra:
        text += f"; only in list name: {' '.join(c_extra)}"
    legal = _legal_text(query, candidate)
    if legal:
        text += f"; {legal}"
    if scored.rules:
        text += f"; {'; '.join(scored.rules)}"
    return text


def _pair_text(query: NameForm, candidate: NameForm, pair: Pair) -> str:
    left = _tokens_text(query.tokens, pair.query)
    right = _tokens_text(candidate.tokens, pair.candidate)
    text = f"{left}{_HOW.get(pair.rule, '~')}{right}"
    words = _RULE_WORDS.get(pair.rule)
    if words is not None:
        text += f" ({words} {pair.similarity:.2f})"
    return text


def _tokens_text(tokens: tuple[Token, ...], positions: tuple[int, ...]) -> str:
    return " ".join(tokens[i].native or tokens[i].text for i in positions)


def _legal_text(query: NameForm, candidate: NameForm) -> str:
    shared = query.legal & candidate.legal
    return f"legal form {'/'.join(sorted(shared))} in both" if shared else ""
