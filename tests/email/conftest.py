from tests.email.mailservers import imap_server, smtp_server  # noqa: F401
