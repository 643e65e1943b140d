"""The email channel's memory in the queue database, on SQLite and on PostgreSQL."""

import threading
from datetime import datetime

from bot.email.store import EmailThread

ANNA = "anna.virtanen@example.com"


def test_the_latest_email_of_a_conversation_is_kept_and_replaced(store):
    assert store.email_thread(f"email:{ANNA}") is None
    store.remember_thread(EmailThread(f"email:{ANNA}", ANNA, "Question", "<a1@client.test>",
                                      ("<a1@client.test>",), "en"))
    store.remember_thread(EmailThread(f"email:{ANNA}", ANNA, "Re: Question", "<a2@client.test>",
                                      ("<a1@client.test>", "<x@shop.test>", "<a2@client.test>"),
                                      "fi", updated_at=datetime(2026, 12, 1, 9)))
    thread = store.email_thread(f"email:{ANNA}")
    assert (thread.address, thread.subject, thread.message_id, thread.language) == (
        ANNA, "Re: Question", "<a2@client.test>", "fi")
    assert thread.thread == ("<a1@client.test>", "<x@shop.test>", "<a2@client.test>")
    assert thread.updated_at == datetime(2026, 12, 1, 9)


def test_a_long_thread_keeps_its_root_and_latest_references(store):
    references = tuple(f"<m{n}@client.test>" for n in range(50))
    store.remember_thread(EmailThread("email:long@example.com", "long@example.com", "Q",
                                      references[-1], references, "en"))
    kept = store.email_thread("email:long@example.com").references
    assert len(kept) == 20 and kept[0] == "<m0@client.test>" and kept[-1] == "<m49@client.test>"


def test_only_the_first_of_simultaneous_ratings_of_a_ticket_counts(store):
    results = []
    barrier = threading.Barrier(8)

    def rate(score):
        barrier.wait()
        results.append(store.record_email_rating("H-0000ABCD", score))

    threads = [threading.Thread(target=rate, args=(1 + n % 5,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    assert store.record_email_rating("H-0000ABCD", 5) is False
    assert store.record_email_rating("H-0000EF01", 5) is True
