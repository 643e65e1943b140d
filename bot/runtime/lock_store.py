"""Rasa's Redis lock store with every change of a conversation's lock made atomically.

Rasa 3.6's ``RedisLockStore`` changes a lock by reading it, changing it in the process and
writing it back. Two replicas that receive a message of the same conversation at the same moment
both read the lock before either writes: both get ticket 0, and both handle their message at once
on the same tracker (one message's events are then lost). Likewise a replica that finishes its
turn can delete the lock just after another replica queued a ticket on it, and that replica's
message fails with a ``LockError``. :class:`AtomicRedisLockStore` makes each read-change-write a
Redis transaction (``WATCH``/``MULTI``, retried when another replica changed the lock in
between); the lock's format and keys stay Rasa's, so replicas of both kinds can share one Redis.

Configured in ``endpoints.yml`` (every option of Rasa's ``redis`` lock store)::

    lock_store:
      type: bot.runtime.lock_store.AtomicRedisLockStore
      url: redis.example
      port: 6379
      db: 1
"""

from __future__ import annotations

import json
from typing import Any, Callable, Optional, Text, Tuple

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

#: A change of one lock: the lock as stored (None: none), the lock to store (None: delete it)
#: and what the caller gets back.
_Change = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], Any]]


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose tickets are issued and returned in Redis transactions."""

    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # created by Rasa from endpoints.yml
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs}
        kwargs.pop("type", None)
        super().__init__(**kwargs)

    def _change(self, conversation_id: Text, change: _Change) -> Any:
        key = self.key_prefix + conversation_id

        def apply(pipe: Any) -> Any:
            stored = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(stored)) if stored else None
            lock, result = change(lock)
            pipe.multi()
            if lock is None:
                pipe.delete(key)
            else:
                pipe.set(key, lock.dumps())
            return result

        return self.red.transaction(apply, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: Text,
                     lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A new ticket for the conversation's lock (created when there is none)."""

        def issue(lock: Optional[TicketLock]) -> Tuple[TicketLock, int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except Exception as error:  # noqa: BLE001 - Rasa's contract: a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        """Drop the lock's expired tickets (those of a replica that died mid-turn)."""

        def expire(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, expire)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        """Return the ticket."""

        def finish(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Return the ticket, and delete the lock when no other ticket waits: both at once."""

        def finish(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._change(conversation_id, finish)
