import time

from bot.shop.customer_tokens import (
    customer_from_metadata,
    issue_customer_token,
    verify_customer_token,
)


def test_valid_token_names_the_customer():
    token = issue_customer_token("C-1001", "s3cret")
    assert verify_customer_token(token, "s3cret") == "C-1001"
    assert customer_from_metadata({"customer_token": token}, "s3cret") == "C-1001"


def test_anything_else_gives_no_identity():
    now = time.time()
    assert verify_customer_token(issue_customer_token("C-1001", "other"), "s3cret") is None
    expired = issue_customer_token("C-1001", "s3cret", ttl_seconds=10, now=now - 100)
    assert verify_customer_token(expired, "s3cret") is None
    too_old = issue_customer_token("C-1001", "s3cret", ttl_seconds=10**6, now=now - 10**5)
    assert verify_customer_token(too_old, "s3cret", max_age_seconds=3600) is None
    for junk in (None, "", "abc.def.ghi", 42, {"sub": "C-1001"}, "x" * 5000):
        assert verify_customer_token(junk, "s3cret") is None
    assert verify_customer_token(issue_customer_token("C-1001", "s3cret"), "") is None
    assert customer_from_metadata(None, "s3cret") is None
    assert customer_from_metadata("not a mapping", "s3cret") is None


def test_unsigned_tokens_are_refused():
    import jwt

    unsigned = jwt.encode({"sub": "C-1001", "iat": int(time.time()),
                           "exp": int(time.time()) + 60}, key=None, algorithm="none")
    assert verify_customer_token(unsigned, "s3cret") is None
