"""Rasa's Redis lock store with every change of a conversation's lock made atomically, in one
round trip.

Rasa 3.6's ``RedisLockStore`` changes a lock by reading it, changing it in the process and
writing it back. Two replicas that receive a message of the same conversation at the same moment
both read the lock before either writes: both get ticket 0, and both handle their message at once
on the same tracker (one message's events are then lost). Likewise a replica that finishes its
turn can delete the lock just after another replica queued a ticket on it, and that replica's
message fails with a ``LockError``. :class:`AtomicRedisLockStore` makes each read-change-write
one Lua script that Redis runs atomically: taking a ticket (and learning whether it is served
at once), checking a waiting ticket, and returning it. An uncontended turn costs two round
trips to Redis instead of Rasa's seven. The lock's format and keys stay Rasa's, so replicas of
both kinds can share one Redis; each lock also expires by itself once its newest ticket has,
so a replica killed mid-turn leaves nothing behind for good.

A message that waits for an earlier message of its conversation checks again every
``POLL_SECONDS`` (Rasa: every second).

Configured in ``endpoints.yml`` (every option of Rasa's ``redis`` lock store)::

    lock_store:
      type: bot.runtime.lock_store.AtomicRedisLockStore
      url: redis.example
      port: 6379
      db: 1
"""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text, Tuple

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

#: Seconds between two checks of a message waiting for its conversation's lock.
POLL_SECONDS = 0.02

#: Shared by the scripts: the lock at KEYS[1] decoded, without the tickets expired at ARGV[1]
#: (Rasa's format: ``{"conversation_id": ..., "tickets": ["{\"number\": 0, \"expires\": ...}"]}``,
#: each ticket a JSON text of its own).
_READ = """
local now = tonumber(ARGV[1])
local raw = redis.call('GET', KEYS[1])
local lock = raw and cjson.decode(raw) or {conversation_id = ARGV[2], tickets = {}}
local tickets, numbers, latest = {}, {}, now
for _, text in ipairs(lock.tickets or {}) do
  local ticket = cjson.decode(text)
  if ticket.expires >= now then
    tickets[#tickets + 1] = text
    numbers[#numbers + 1] = ticket.number
    if ticket.expires > latest then latest = ticket.expires end
  end
end
local function store()
  if #tickets == 0 then
    redis.call('DEL', KEYS[1])
    return
  end
  lock.tickets = tickets
  redis.call('SET', KEYS[1], cjson.encode(lock), 'PX', math.ceil((latest - now) * 1000) + 1000)
end
"""

#: ARGV: now, conversation id, lifetime. Returns the new ticket's number and the number now
#: served.
_ISSUE = _READ + """
local number = (numbers[#numbers] or -1) + 1
local expires = now + tonumber(ARGV[3])
tickets[#tickets + 1] = cjson.encode({number = number, expires = expires})
numbers[#numbers + 1] = number
if expires > latest then latest = expires end
store()
return {number, numbers[1]}
"""

#: ARGV: now, conversation id, ticket. Returns the number now served, or -1 when the ticket is
#: gone (expired while waiting).
_CHECK = _READ + """
local wanted, present = tonumber(ARGV[3]), false
for _, number in ipairs(numbers) do
  if number == wanted then present = true end
end
store()
if not present then return -1 end
return numbers[1]
"""

#: ARGV: now, conversation id, ticket. Removes the ticket; the lock goes with its last ticket.
_RETURN = _READ + """
local wanted = tonumber(ARGV[3])
for index = #numbers, 1, -1 do
  if numbers[index] == wanted then
    table.remove(tickets, index)
    table.remove(numbers, index)
  end
end
store()
return #tickets
"""


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose tickets are issued, checked and returned by Redis scripts."""

    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # created by Rasa from endpoints.yml
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs}
        kwargs.pop("type", None)
        super().__init__(**kwargs)
        self._issue = self.red.register_script(_ISSUE)
        self._check = self.red.register_script(_CHECK)
        self._return = self.red.register_script(_RETURN)

    def _run(self, script: Any, conversation_id: Text, argument: float) -> Any:
        try:
            return script(keys=[self.key_prefix + conversation_id],
                          args=[repr(time.time()), conversation_id, repr(argument)])
        except Exception as error:  # noqa: BLE001 - Rasa's contract: a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def issue_and_serving(self, conversation_id: Text,
                          lock_lifetime: float = LOCK_LIFETIME) -> Tuple[int, int]:
        """A new ticket for the conversation's lock, and the ticket served now."""
        number, serving = self._run(self._issue, conversation_id, lock_lifetime)
        return int(number), int(serving)

    def issue_ticket(self, conversation_id: Text,
                     lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A new ticket for the conversation's lock (created when there is none)."""
        return self.issue_and_serving(conversation_id, lock_lifetime)[0]

    def serving(self, conversation_id: Text, ticket_number: int) -> Optional[int]:
        """The ticket served now, after dropping expired ones; ``None`` when this ticket has
        expired itself."""
        serving = int(self._run(self._check, conversation_id, ticket_number))
        return None if serving < 0 else serving

    def update_lock(self, conversation_id: Text) -> None:
        """Drop the lock's expired tickets (those of a replica that died mid-turn)."""
        self._run(self._check, conversation_id, -1)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        """Return the ticket."""
        self._run(self._return, conversation_id, ticket_number)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Return the ticket; the lock is deleted with its last ticket."""
        self._run(self._return, conversation_id, ticket_number)

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = POLL_SECONDS,
                   ) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation's lock: wait until every earlier ticket is returned (or has
        expired), checking every ``wait_time_in_seconds`` (at most ``POLL_SECONDS``).

        Raises:
            LockError: Redis cannot be reached, or this ticket expired while waiting.
        """
        ticket, serving = self.issue_and_serving(conversation_id, lock_lifetime)
        try:
            pause = min(wait_time_in_seconds, POLL_SECONDS)
            while serving != ticket:
                await asyncio.sleep(pause)
                current = self.serving(conversation_id, ticket)
                if current is None:
                    raise LockError(
                        f"Could not acquire lock for conversation_id '{conversation_id}'.")
                serving = current
            yield TicketLock(conversation_id)  # Rasa's callers only hold it
        finally:
            self.cleanup(conversation_id, ticket)
