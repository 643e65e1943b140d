"""Reading one email: who sent it, how it threads, its text without quotes and signatures.

Parsed with the standard library (``email.policy.default``). The text the NLU sees is only what
the shopper wrote this time: quoted replies (``>`` lines, "On ... wrote:" in the six languages,
Outlook's header blocks) and signatures (``-- ``, "Sent from my iPhone" and its kind) are cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser
from typing import Dict, List, Optional, Tuple

#: Headers the policy looks at, kept lower-cased with their value.
_KEPT_HEADERS = (
    "auto-submitted", "precedence", "list-id", "list-unsubscribe", "x-autoreply",
    "x-autorespond", "x-auto-response-suppress", "return-path", "x-shop-assistant",
    "x-failed-recipients",
)

_MAX_TEXT = 20_000


@dataclass(frozen=True)
class InboundEmail:
    """One received email, as the assistant needs it.

    Attributes:
        sender: The From address, lower-cased ('' when there is none). Never proof of identity.
        sender_name: The display name of From.
        subject: The subject line.
        message_id: The Message-ID, with its angle brackets.
        in_reply_to: The Message-ID this one answers, if any.
        references: The thread's Message-IDs, oldest first.
        text: The whole plain text (from text/plain, else the HTML as text).
        new_text: What the sender wrote this time: no quoted reply, no signature.
        quoted_text: The quoted part that was cut (the earlier thread, as the sender's client
            quoted it).
        has_attachments: True when a file or an image came with it.
        content_type: The top-level content type (``multipart/report`` for bounces).
        headers: The headers the policy reads, lower-cased names.
        authentication_results: Every Authentication-Results header, top (newest) first.
    """

    sender: str
    sender_name: str
    subject: str
    message_id: str
    in_reply_to: Optional[str]
    references: Tuple[str, ...]
    text: str
    new_text: str
    quoted_text: str
    has_attachments: bool
    content_type: str
    headers: Dict[str, str] = field(default_factory=dict)
    authentication_results: Tuple[str, ...] = ()

    def sender_authenticated(self, authserv_id: str) -> bool:
        """True when the receiving mail server vouches for the From address.

        Only the Authentication-Results header written by the shop's own receiving server (its
        ``authserv_id``, RFC 8601) counts, because anyone can put such a header into an email:
        the topmost one with that name, as the server adds its own above everything the email
        brought along (a copy further down, even with the same name, was the sender's). It must
        report ``dmarc=pass``, or ``dkim=pass`` with a signing domain that is the From address's
        domain. With no ``authserv_id`` configured nothing is vouched for.
        """
        if not authserv_id or "@" not in self.sender:
            return False
        domain = self.sender.rsplit("@", 1)[1]
        for header in self.authentication_results:
            served_by, _, results = header.partition(";")
            if served_by.split()[0:1] != [authserv_id.lower()]:
                continue
            if re.search(r"(?:^|[;\s])dmarc=pass\b", results):
                return True
            return any(signed.group(1).rstrip(".") == domain for signed in re.finditer(
                r"dkim=pass\b[^;]*?header\.d=([a-z0-9.-]+)", results))
        return False

    @property
    def thread_root(self) -> str:
        """The Message-ID that started the thread (this one when it starts a thread)."""
        if self.references:
            return self.references[0]
        return self.in_reply_to or self.message_id

    @property
    def thread(self) -> Tuple[str, ...]:
        """The References an answer to this email carries: the thread plus this message."""
        chain = list(self.references) or ([self.in_reply_to] if self.in_reply_to else [])
        if self.message_id and self.message_id not in chain:
            chain.append(self.message_id)
        return tuple(chain)


def parse_email(raw: bytes) -> InboundEmail:
    """Parse an RFC 5322 message into what the assistant needs.

    Args:
        raw: The message as it came from the mailbox.

    Returns:
        The parsed email; missing headers are empty, never an error.
    """
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    name, address = parseaddr(_header(message, "from"))
    text = _plain_text(message)[:_MAX_TEXT]
    new_text, quoted = split_reply(text)
    return InboundEmail(
        sender=address.strip().lower(),
        sender_name=name.strip(),
        subject=_header(message, "subject").strip(),
        message_id=_header(message, "message-id").strip(),
        in_reply_to=(_message_ids(_header(message, "in-reply-to")) or [None])[0],
        references=tuple(_message_ids(_header(message, "references"))),
        text=text,
        new_text=new_text,
        quoted_text=quoted,
        has_attachments=_has_attachments(message),
        content_type=message.get_content_type(),
        headers={name: _header(message, name) for name in _KEPT_HEADERS
                 if message.get(name) is not None},
        authentication_results=tuple(
            " ".join(str(value).split()).lower()
            for value in message.get_all("authentication-results") or ()),
    )


def addresses(value: str) -> List[str]:
    """The lower-cased addresses in an address header's value."""
    return [address.lower() for _, address in getaddresses([value]) if address]


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError):  # a malformed header is as good as none
        return ""
    return str(value) if value is not None else ""


def _message_ids(value: str) -> List[str]:
    return re.findall(r"<[^<>\s]+>", value or "")


def _has_attachments(message: EmailMessage) -> bool:
    for part in message.walk():
        if part.is_multipart():
            continue
        if part.get_content_disposition() == "attachment":
            return True
        if part.get_content_maintype() not in ("text", "message"):
            return True
    return False


def _plain_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, ValueError):  # unknown charset, broken encoding
        payload = body.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace")
    if body.get_content_subtype() == "html":
        return html_to_text(content)
    return content.replace("\r\n", "\n")


class _TextOfHtml(HTMLParser):
    _BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "table", "ul", "ol"}
    _SKIP = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: List[str] = []
        self._skipping = 0
        self._quoting = 0

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        classes = dict(attrs).get("class") or ""
        if tag in self._SKIP:
            self._skipping += 1
        elif tag == "blockquote" or "gmail_quote" in classes:
            # A quoted reply: keep it as ">" lines so the reply splitter cuts it.
            self._quoting += 1
            self.parts.append("\n")
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag == "blockquote":
            self._quoting = max(0, self._quoting - 1)
            self.parts.append("\n")
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        if self._quoting:
            data = "\n".join(f"> {line}" if line.strip() else line
                             for line in data.split("\n"))
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """The readable text of an HTML body: no tags, scripts or styles; blockquotes as ``>``."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = [re.sub(r"[ \t\xa0]+", " ", line).strip() for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# "On Mon, 1 Jan 2026 at 10:00, Anna <anna@example.com> wrote:" and its translations: the verb,
# a date or an address, and a colon at the end.
_ATTRIBUTION = re.compile(
    r"^(?=.*(\d|@)).*\b(wrote|kirjoitti|yazdı|написав|написала|написали|menulis|skrev"
    r"|a écrit|schrieb)\b.*:\s*$", re.IGNORECASE)
# Outlook's "-----Original Message-----" and its forwarded-header block.
_ORIGINAL = re.compile(
    r"^(-{2,}\s*(original message|alkuperäinen viesti|orijinal mesaj|оригінальне повідомлення"
    r"|pesan asli|opprinnelig melding|forwarded message)\s*-{2,}"
    r"|(from|lähettäjä|kimden|від|dari|fra|von)\s*:\s*.+@.+)\s*$", re.IGNORECASE)
_SIGNATURE = re.compile(r"^(--|_{2,})\s*$")
# "Sent from my iPhone", "Lähetetty iPhonesta", "iPhone'umdan gönderildi", "Надіслано з
# iPhone", "Dikirim dari iPhone saya", "Sendt fra min iPhone", "Get Outlook for Android".
_MOBILE = re.compile(
    r"^.{0,25}\b(sent|get|lähetetty|gönderildi|надіслано|відправлено|dikirim|sendt|hent)\b.{0,40}$",
    re.IGNORECASE)
_DEVICE = re.compile(
    r"(iphone|ipad|android|samsung|galaxy|outlook|huawei|xiaomi|blackberry|mobile|mobiili"
    r"|mobil|telefon|puhelim|телефон|ponsel|handphone)", re.IGNORECASE)


def _is_signature(line: str) -> bool:
    return bool(_SIGNATURE.match(line) or (_MOBILE.match(line) and _DEVICE.search(line)))


def split_reply(text: str) -> Tuple[str, str]:
    """Split an email body into what was written this time and the quoted thread below it.

    Args:
        text: The plain text of the body.

    Returns:
        ``(new_text, quoted_text)``: the new text without ``>`` lines, attribution lines and
        signature; the quoted text is everything cut from the first quote marker on.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    kept: List[str] = []
    quoted: List[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        wrapped = (following.endswith(":") and not stripped.startswith(">")
                   and bool(_ATTRIBUTION.match(f"{stripped} {following}"[:300])))
        if _ATTRIBUTION.match(stripped) or wrapped or _ORIGINAL.match(stripped):
            return _tidy(kept), "\n".join(quoted + lines[index:]).strip()
        if _is_signature(stripped):
            quoted += [rest for rest in lines[index:] if rest.lstrip().startswith(">")]
            return _tidy(kept), "\n".join(quoted).strip()
        if stripped.startswith(">"):
            quoted.append(line)  # quoted inline too: the shopper's answers may follow
            continue
        kept.append(line)
    return _tidy(kept), "\n".join(quoted).strip()


def _tidy(lines: List[str]) -> str:
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in lines)).strip()
