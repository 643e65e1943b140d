"""The atomic Redis lock store against a real redis-server: one conversation's messages are
handled one after the other whichever replica takes them, in Rasa's lock format."""

import asyncio
import time

import pytest
from rasa.core.lock_store import LockError, RedisLockStore

from bot.runtime.lock_store import AtomicRedisLockStore


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    from bot.tools.localservers import RedisServer

    try:
        server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    except RuntimeError as error:
        pytest.skip(str(error))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def replicas(redis_server):
    """Two replicas' lock stores on one Redis, and one conversation id of this test's own."""
    stores = [AtomicRedisLockStore(host="127.0.0.1", port=redis_server.port, db=1)
              for _ in range(2)]
    return stores, f"conversation-{time.time_ns()}"


def test_messages_of_one_conversation_on_two_replicas_run_one_after_the_other(replicas):
    stores, conversation = replicas
    log = []

    async def message(store, name, delay):
        await asyncio.sleep(delay)
        async with store.lock(conversation):
            log.append(f"{name} starts")
            await asyncio.sleep(0.15)
            log.append(f"{name} ends")

    async def both():
        await asyncio.gather(message(stores[0], "first", 0), message(stores[1], "second", 0.02),
                             message(stores[0], "third", 0.04))

    asyncio.run(both())
    assert log == ["first starts", "first ends", "second starts", "second ends",
                   "third starts", "third ends"]
    assert stores[0].get_lock(conversation) is None  # returned with its last ticket


def test_other_conversations_do_not_wait(replicas):
    stores, conversation = replicas
    log = []

    async def message(store, name, conversation_id, hold):
        async with store.lock(conversation_id):
            log.append(f"{name} starts")
            await asyncio.sleep(hold)
            log.append(f"{name} ends")

    async def both():
        await asyncio.gather(message(stores[0], "slow", conversation, 0.3),
                             message(stores[1], "other", conversation + "-b", 0.0))

    asyncio.run(both())
    assert log.index("other ends") < log.index("slow ends")


def test_the_lock_is_in_rasas_format_and_shared_with_its_redis_lock_store(replicas,
                                                                          redis_server):
    stores, conversation = replicas
    rasa_store = RedisLockStore(host="127.0.0.1", port=redis_server.port, db=1)
    assert rasa_store.issue_ticket(conversation) == 0
    assert stores[0].issue_ticket(conversation) == 1
    lock = rasa_store.get_lock(conversation)
    assert [ticket.number for ticket in lock.tickets] == [0, 1]
    assert lock.now_serving == 0 and lock.is_locked(1)
    rasa_store.finish_serving(conversation, 0)
    assert stores[0].serving(conversation, 1) == 1
    stores[0].cleanup(conversation, 1)
    assert rasa_store.get_lock(conversation) is None


def test_a_ticket_left_by_a_replica_killed_mid_turn_expires(replicas):
    """A replica that died holding the lock delays the conversation by the lock's lifetime
    at most; the lock itself then expires from Redis."""
    stores, conversation = replicas
    stores[0].issue_ticket(conversation, lock_lifetime=0.4)  # never returned
    started = time.monotonic()

    async def next_message():
        async with stores[1].lock(conversation):
            return time.monotonic() - started

    waited = asyncio.run(next_message())
    assert 0.3 < waited < 3
    stores[0].issue_ticket(conversation, lock_lifetime=0.2)
    time.sleep(1.5)
    assert stores[0].red.get(stores[0].key_prefix + conversation) is None


def test_a_message_whose_ticket_expired_while_waiting_fails_with_a_lock_error(replicas):
    stores, conversation = replicas

    async def holder():
        async with stores[0].lock(conversation, lock_lifetime=5):
            await asyncio.sleep(1.0)

    async def waiter():
        await asyncio.sleep(0.05)
        async with stores[1].lock(conversation, lock_lifetime=0.3):
            pass

    async def both():
        return await asyncio.gather(holder(), waiter(), return_exceptions=True)

    results = asyncio.run(both())
    assert results[0] is None and isinstance(results[1], LockError)


def test_an_unreachable_redis_is_a_lock_error(redis_server):
    from bot.tools.ports import free_port

    store = AtomicRedisLockStore(host="127.0.0.1", port=free_port(), db=1)

    async def message():
        async with store.lock("anyone"):
            pass

    with pytest.raises(LockError):
        asyncio.run(message())
