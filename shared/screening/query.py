"""The party being screened: its name read as a person, an organisation or an object, lazily."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from rigour.text import remove_bracketed_text

from shared.screening.normalise import analyse_name
from shared.screening.tokens import NameClass, NameForm, Token


@dataclass(slots=True)
class Query:
    name: str
    country: str | None
    identifiers: tuple[tuple[str, str], ...]
    name_class: NameClass | None
    bare: str | None = None
    """The name without its bracketed words (`OOO AURUS (Alabuga SEZ)`), when it has some."""
    _forms: dict[NameClass, NameForm] = field(default_factory=dict)
    _bare_forms: dict[NameClass, NameForm] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        name: str,
        country: str | None,
        identifiers: tuple[tuple[str, str], ...],
        name_class: NameClass | None,
    ) -> Query:
        bare = " ".join(remove_bracketed_text(name).split())
        return cls(
            name,
            country.upper() if country else None,
            identifiers,
            name_class,
            bare if bare and bare != " ".join(name.split()) else None,
        )

    def form(self, name_class: NameClass) -> NameForm:
        found = self._forms.get(name_class)
        if found is None:
            found = self._forms[name_class] = self._analyse(name_class)
        return found

    def bare_form(self, name_class: NameClass) -> NameForm | None:
        """The reading of the name without its bracketed words, if it has any."""
        if self.bare is None:
            return None
        found = self._bare_forms.get(name_class)
        if found is None:
            found = self._bare_forms[name_class] = analyse_name(self.bare, name_class)
        return found

    def retrieval_tokens(self) -> list[Token]:
        """The tokens to look up: of the query's own class or, when that is unknown, of its
        reading as an organisation (legal forms apart). A name in another script also takes
        the given-name symbols of its reading as a person (محمد ~ Mohammed); a Latin one finds
        its spelling variants through typo and sound-alike keys, and is read as a person only
        when a person candidate is worth scoring."""
        if self.name_class is not None:
            return list(self.form(self.name_class).tokens)
        org = self.form("org")
        if self.named_like_company() or all(t.native is None for t in org.tokens):
            return list(org.tokens)
        symbols = {token.text: token.symbols for token in self.form("person").tokens}
        found: list[Token] = []
        for token in self.form("org").tokens:
            extra = symbols.get(token.text, frozenset())
            found.append(replace(token, symbols=token.symbols | extra) if extra else token)
        return found

    def named_like_company(self) -> bool:
        return self.name_class is None and bool(self.form("org").legal)

    def _analyse(self, name_class: NameClass) -> NameForm:
        return analyse_name(self.name, name_class)
