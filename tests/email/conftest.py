from tests.email.mailservers import (  # noqa: F401
    imap_server,
    module_imap_server,
    module_smtp_server,
    smtp_server,
)
