"""Where the reference data lives and how the benchmarks read the SDN list.

`$TRADEWATCH_SANCTIONS_DATA_DIR`, else the settings' default `<repo>/../shared/data`. The data is
never copied into the repository.
"""

from __future__ import annotations

import sys
from pathlib import Path

from shared.config import load_settings
from shared.schemas import WatchlistEntry

SDN_MAIN = "sanctions/ofac/sdn-2024-05-03"
SDN_ALIASES = "sanctions/ofac/sdn-aux-2025-12/alt.csv"
SDN_ADDRESSES = "sanctions/ofac/sdn-aux-2025-12/add.csv"


def data_dir() -> Path:
    return load_settings().sanctions_data_dir


def require(path: Path) -> Path:
    if not path.exists():
        sys.exit(
            f"{path} is missing: set TRADEWATCH_SANCTIONS_DATA_DIR to the reference data folder"
        )
    return path


def sdn_spec() -> str:
    """`ofac-sdn:` the 2024-05-03 SDN list with the newer aliases and addresses joined."""
    root = data_dir()
    paths = [require(root / p) for p in (SDN_MAIN, SDN_ALIASES, SDN_ADDRESSES)]
    return "ofac-sdn:" + ",".join(str(p) for p in paths)


def load_sdn() -> list[WatchlistEntry]:
    from shared.watchlists.sources import read_entries

    return read_entries(sdn_spec())
