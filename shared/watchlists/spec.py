"""`FORMAT:PATH[,PATH...]`: which parser reads which files, and the checksum of those files.

For `ofac-sdn` and `ofac-cons` a PATH is a folder (its `sdn.csv`, `alt.csv`, `add.csv`,
`sdn_comments.csv`, or the `cons_*` equivalents, whichever are present) or a single file: a file
named like one of those takes that role, any other `.csv` is the main file alone (e.g.
`ofac-sdn:sdn-history/sdn_2024-02-20.csv`). Several PATHs combine, so a main file and auxiliary
files kept in different folders load as one list. The other formats read one file (or the one
file of the right kind in a folder).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from shared.watchlists.ofac import CONS_LAYOUT, SDN_LAYOUT
from shared.watchlists.parsed import SourceError

MAIN = "main"
_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class ListFormat:
    name: str
    default_list_id: str | None
    roles: tuple[str, ...] = ()  # file names a folder may hold; the first is required
    suffixes: tuple[str, ...] = ()  # single-file formats: the file kinds accepted


FORMATS: dict[str, ListFormat] = {
    f.name: f
    for f in (
        ListFormat("ofac-sdn", "us-ofac-sdn", roles=SDN_LAYOUT.roles),
        ListFormat("ofac-cons", "us-ofac-cons", roles=CONS_LAYOUT.roles),
        ListFormat("uk-ofsi", "gb-hmt-ofsi", suffixes=(".xlsx",)),
        ListFormat("un-sc", "un-sc", suffixes=(".xml",)),
        ListFormat("tradewatch-jsonl", None, suffixes=(".jsonl", ".ndjson", ".json")),
    )
}


@dataclass(frozen=True)
class SourceSpec:
    format: ListFormat
    files: dict[str, Path]  # role (a file name, or MAIN for single-file formats) -> path

    def describe(self) -> str:
        return f"{self.format.name}:" + ",".join(str(p) for p in self.files.values())


def parse_spec(text: str) -> SourceSpec:
    name, sep, paths_text = text.partition(":")
    if not sep or not paths_text:
        raise SourceError(f"{text!r}: expected FORMAT:PATH (formats: {', '.join(FORMATS)})")
    list_format = FORMATS.get(name)
    if list_format is None:
        raise SourceError(f"unknown list format {name!r} (formats: {', '.join(FORMATS)})")
    paths = [Path(p).expanduser() for p in paths_text.split(",") if p]
    for path in paths:
        if not path.exists():
            raise SourceError(f"{path}: no such file or folder")
    if list_format.roles:
        return SourceSpec(list_format, _role_files(list_format, paths))
    return SourceSpec(list_format, {MAIN: _single_file(list_format, paths)})


def _role_files(list_format: ListFormat, paths: list[Path]) -> dict[str, Path]:
    files: dict[str, Path] = {}

    def assign(role: str, path: Path) -> None:
        if role in files and files[role].resolve() != path.resolve():
            raise SourceError(f"two files for {role}: {files[role]} and {path}")
        files[role] = path

    main = list_format.roles[0]
    for path in paths:
        if path.is_dir():
            for role in list_format.roles:
                if (path / role).is_file():
                    assign(role, path / role)
        elif path.name in list_format.roles:
            assign(path.name, path)
        elif path.suffix.lower() == ".csv":
            assign(main, path)
        else:
            raise SourceError(
                f"{path}: not a {list_format.name} file ({', '.join(list_format.roles)})"
            )
    if main not in files:
        raise SourceError(f"{list_format.name}: no {main} in {', '.join(map(str, paths))}")
    return {role: files[role] for role in list_format.roles if role in files}


def _single_file(list_format: ListFormat, paths: list[Path]) -> Path:
    if len(paths) != 1:
        raise SourceError(f"{list_format.name} reads one file, given {len(paths)}")
    path = paths[0]
    if path.is_file():
        return path
    found = sorted(p for p in path.iterdir() if p.suffix.lower() in list_format.suffixes)
    if len(found) != 1:
        kinds = "/".join(list_format.suffixes)
        raise SourceError(f"{path}: expected one {kinds} file, found {len(found)}")
    return found[0]


def checksum(spec: SourceSpec) -> str:
    """SHA-256 over each file's role and bytes: the same inputs give the same version."""
    digest = hashlib.sha256(spec.format.name.encode())
    for role, path in sorted(spec.files.items()):
        digest.update(b"\0" + role.encode() + b"\0")
        with path.open("rb") as file:
            while chunk := file.read(_CHUNK_BYTES):
                digest.update(chunk)
    return digest.hexdigest()
