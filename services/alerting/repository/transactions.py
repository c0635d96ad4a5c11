"""Transactions, and the database errors that mean "this data can never be stored"."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session, sessionmaker


class RejectedByDatabase(Exception):
    """The database refused the data itself (not its availability): retrying cannot help."""


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    try:
        with sessions.begin() as session:
            yield session
    except DataError as error:
        raise RejectedByDatabase(str(error.orig or error)[:1000]) from error


def ping(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        session.execute(text("SELECT 1"))
