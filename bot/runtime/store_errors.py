"""A conversation store that cannot be reached fails the turn with a clear error.

Rasa wraps every tracker store in ``FailSafeTrackerStore``: when the database is down it reads
a blank conversation from the replica's memory and stores the turn there, so the shopper gets
an answer that forgets everything said before and is itself forgotten. Here a connection
failure of the tracker store is raised as :class:`StoreUnavailable` instead, and the channels
tell the client so: the REST webhook answers ``503`` with ``Retry-After``
(:mod:`bot.runtime.channels.rest`), the widget's socket.io channel an apology that is not
stored (:mod:`bot.runtime.channels.socketio`). Nothing of the failed turn is stored; the
client sends the message again once the database is back.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional

#: Seconds a client is asked to wait before sending the message again.
RETRY_AFTER_SECONDS = 2
#: What the REST webhook's ``503`` body says.
UNAVAILABLE_MESSAGE = ("the conversation store cannot be reached: nothing of this message"
                       " was stored; send it again")


#: What the REST webhook's ``503`` body says when the conversation's lock could not be taken.
LOCK_MESSAGE = ("the conversation's lock could not be taken (lock store unreachable or the"
                " conversation busy): nothing of this message was stored; send it again")


class StoreUnavailable(RuntimeError):
    """The conversation store (the tracker store's database) cannot be reached."""


def unavailable_reason(error: BaseException) -> Optional[str]:
    """What to tell a client whose turn failed with ``error`` and may be sent again, or
    ``None`` when the error is not one of those (a conversation store or lock unavailable)."""
    from rasa.core.lock_store import LockError

    if isinstance(error, StoreUnavailable):
        return UNAVAILABLE_MESSAGE
    if isinstance(error, LockError):
        return LOCK_MESSAGE
    return None


@contextmanager
def unavailable_on_connection_errors() -> Iterator[None]:
    """Raise a database connection failure as :class:`StoreUnavailable`.

    Raises:
        StoreUnavailable: the database refused or dropped the connection, or no pooled
            connection was free in time. Other errors (a bad query) pass unchanged.
    """
    import sqlalchemy.exc as sa_exc

    try:
        yield
    except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError,
            sa_exc.TimeoutError) as error:
        raise StoreUnavailable(f"tracker store: {type(error).__name__}") from error
    except sa_exc.DBAPIError as error:
        if not error.connection_invalidated:
            raise
        raise StoreUnavailable(f"tracker store: {type(error).__name__}") from error


def raising_unavailable(report: Callable[[Any, Exception], None]
                        ) -> Callable[[Any, Exception], None]:
    """``FailSafeTrackerStore``'s error callback, with :class:`StoreUnavailable` raised on
    (Rasa then neither answers from nor stores in memory); other errors as before."""

    def on_error(self: Any, error: Exception) -> None:
        if isinstance(error, StoreUnavailable):
            raise error
        report(self, error)

    on_error.__doc__ = report.__doc__
    return on_error
