"""Rating a resolved ticket by email: one-click links with signed tokens, and what a click does.

A survey email carries five links, one per rating. Each link's token names the ticket and the
rating, expires, and is signed (HMAC-SHA256 with a key derived from the installation's session
secret), so that nobody can rate a ticket they were not asked about or change the rating in the
link. The first click on any of a ticket's links records the rating in the survey store (the
same answers the chat's CSAT keeps) and on the ticket; every later click, and every forged,
broken or expired token, gets a page that says so, and nothing is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
import time
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from bot.email.letters import rating_name
from bot.email.store import EmailStore
from bot.handoff.queue import HandoffQueue
from bot.i18n import language_or_default
from bot.surveys import SurveyResponse, SurveyStore, shopper_key

#: How long a survey email's links can be used.
DEFAULT_LINK_DAYS = 30

_TICKET_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_KEY_LABEL = b"shop-assistant email rating links v1"


class BadToken(ValueError):
    """A token that was not made by this installation, or is no longer valid.

    Attributes:
        reason: ``invalid`` (broken or forged) or ``expired``.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RatingLinks:
    """Makes and checks the rating links of one installation.

    Attributes:
        key: The signing key (derive it with :meth:`from_secret`).
        base_url: Where the Rasa server is reached from outside, e.g.
            ``https://shop.example/assistant``; a link is
            ``<base_url>/webhooks/email/rating/<token>``.
        valid_days: How long a link can be used.
    """

    key: bytes
    base_url: str
    valid_days: int = DEFAULT_LINK_DAYS

    @classmethod
    def from_secret(cls, secret: str, base_url: str,
                    valid_days: int = DEFAULT_LINK_DAYS) -> "RatingLinks":
        """Links signed with a key of their own, derived from an installation secret."""
        if not secret:
            raise ValueError("rating links need a secret (SESSION_SECRET)")
        key = hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()
        return cls(key, base_url.rstrip("/"), valid_days)

    def token(self, ticket_id: str, score: int, now: Optional[float] = None) -> str:
        """The token of one rating of one ticket: ``<ticket>.<score>.<expiry>.<signature>``."""
        if not _TICKET_ID.match(ticket_id) or not 1 <= score <= 5:
            raise ValueError("not a ticket id and a rating from 1 to 5")
        expires = int((now if now is not None else time.time()) + self.valid_days * 86400)
        payload = f"{ticket_id}.{score}.{expires}"
        return f"{payload}.{self._sign(payload)}"

    def link(self, ticket_id: str, score: int) -> str:
        """The one-click link of one rating."""
        return f"{self.base_url}/webhooks/email/rating/{self.token(ticket_id, score)}"

    def read(self, token: str, now: Optional[float] = None) -> Tuple[str, int]:
        """The ticket and rating a token stands for.

        Raises:
            BadToken: ``invalid`` when the token is broken or its signature is wrong,
                ``expired`` when it was valid but is too old.
        """
        parts = token.split(".")
        if len(parts) != 4 or not _TICKET_ID.match(parts[0]) or parts[1] not in "12345" \
                or len(parts[1]) != 1 or not parts[2].isdigit():
            raise BadToken("invalid")
        payload = ".".join(parts[:3])
        if not hmac.compare_digest(parts[3].encode(), self._sign(payload).encode()):
            raise BadToken("invalid")
        if int(parts[2]) < (now if now is not None else time.time()):
            raise BadToken("expired")
        return parts[0], int(parts[1])

    def _sign(self, payload: str) -> str:
        digest = hmac.new(self.key, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(frozen=True)
class RatingResult:
    """What a click on a rating link did.

    Attributes:
        status: The HTTP status of the page: 200 recorded, 400 invalid, 409 already rated,
            410 expired or no longer rateable.
        page: ``thanks``, ``invalid``, ``already``, ``expired``.
        language: The page's language (the ticket's when the token was good).
        score: The rating recorded (200 only).
    """

    status: int
    page: str
    language: str
    score: Optional[int] = None


def record_rating(token: str, links: RatingLinks, queue: HandoffQueue, surveys: SurveyStore,
                  store: EmailStore, language: str = "en",
                  now: Optional[float] = None) -> RatingResult:
    """Record the rating a link stands for, once per ticket.

    Args:
        token: The token from the link.
        links: The installation's rating links.
        queue: The tickets.
        surveys: Where CSAT answers are kept.
        store: Which tickets were rated by email already.
        language: The page's language while the ticket is unknown (the browser's).
        now: The time (seconds since the epoch), for tests.

    Returns:
        What happened, for the page.
    """
    try:
        ticket_id, score = links.read(token, now)
    except BadToken as error:
        return RatingResult(410 if error.reason == "expired" else 400, error.reason, language)
    ticket = queue.get(ticket_id)
    if ticket is None or ticket.channel != "email" or ticket.status != "resolved":
        # Signed by us, but the ticket was erased or reopened: nothing to rate any more.
        return RatingResult(410, "expired", language)
    language = language_or_default(ticket.language)
    if ticket.csat is not None or not store.record_email_rating(ticket_id, score):
        return RatingResult(409, "already", language)
    surveys.record_survey(SurveyResponse(
        kind="csat", source="human", conversation_id=ticket.conversation_id,
        shopper=shopper_key(ticket.customer_id, ticket.conversation_id), score=score,
        language=language, channel="email", human=True,
        intents=[str(i.get("intent")) for i in ticket.intents if i.get("intent")],
        ticket_id=ticket_id, order_number=ticket.order_number))
    queue.update(ticket_id, csat=score)
    return RatingResult(200, "thanks", language, score)


# -- the page -------------------------------------------------------------------------------------

_PAGES: Dict[str, Dict[str, Tuple[str, str]]] = {
    "thanks": {
        "en": ("Thank you for your rating", "You rated the help you got: {rating}. "
                                            "Your answer helps us improve."),
        "fi": ("Kiitos arviostasi", "Arviosi saamastasi avusta: {rating}. "
                                    "Vastauksesi auttaa meitä kehittymään."),
        "tr": ("Değerlendirmeniz için teşekkürler", "Aldığınız yardıma verdiğiniz puan: "
                                                    "{rating}. Yanıtınız gelişmemize yardımcı "
                                                    "oluyor."),
        "uk": ("Дякуємо за оцінку", "Ваша оцінка допомоги: {rating}. "
                                    "Ваша відповідь допомагає нам ставати кращими."),
        "id": ("Terima kasih atas penilaian Anda", "Penilaian Anda atas bantuan kami: "
                                                   "{rating}. Jawaban Anda membantu kami "
                                                   "menjadi lebih baik."),
        "nb": ("Takk for vurderingen", "Du ga hjelpen denne vurderingen: {rating}. "
                                       "Svaret ditt hjelper oss å bli bedre."),
    },
    "already": {
        "en": ("Already rated", "This case has already been rated, so this rating was not "
                                "saved. Thank you all the same."),
        "fi": ("Arvioitu jo", "Tämä tapaus on jo arvioitu, joten tätä arviota ei tallennettu. "
                              "Kiitos silti."),
        "tr": ("Zaten değerlendirildi", "Bu kayıt zaten değerlendirildi; bu puan "
                                        "kaydedilmedi. Yine de teşekkür ederiz."),
        "uk": ("Оцінку вже надано", "Це звернення вже оцінено, тому цю оцінку не збережено. "
                                    "Все одно дякуємо."),
        "id": ("Sudah dinilai", "Kasus ini sudah dinilai, jadi penilaian ini tidak disimpan. "
                                "Terima kasih."),
        "nb": ("Allerede vurdert", "Denne saken er allerede vurdert, så denne vurderingen ble "
                                   "ikke lagret. Takk likevel."),
    },
    "expired": {
        "en": ("This link has expired", "Ratings can be given for a limited time after a case "
                                        "is resolved. Nothing was saved."),
        "fi": ("Linkki on vanhentunut", "Arvion voi antaa rajoitetun ajan tapauksen "
                                        "ratkaisemisen jälkeen. Mitään ei tallennettu."),
        "tr": ("Bu bağlantının süresi doldu", "Puan, kayıt çözüldükten sonra sınırlı bir süre "
                                              "verilebilir. Hiçbir şey kaydedilmedi."),
        "uk": ("Термін дії посилання минув", "Оцінку можна дати лише протягом обмеженого часу "
                                             "після вирішення звернення. Нічого не збережено."),
        "id": ("Tautan ini sudah kedaluwarsa", "Penilaian hanya bisa diberikan dalam waktu "
                                               "terbatas setelah kasus selesai. Tidak ada yang "
                                               "disimpan."),
        "nb": ("Lenken er utløpt", "Vurderinger kan gis en begrenset tid etter at en sak er "
                                   "løst. Ingenting ble lagret."),
    },
    "invalid": {
        "en": ("This link is not valid", "Please use the link from our email exactly as it is. "
                                         "Nothing was saved."),
        "fi": ("Linkki ei kelpaa", "Käytä sähköpostimme linkkiä sellaisenaan. "
                                   "Mitään ei tallennettu."),
        "tr": ("Bu bağlantı geçerli değil", "Lütfen e-postamızdaki bağlantıyı olduğu gibi "
                                            "kullanın. Hiçbir şey kaydedilmedi."),
        "uk": ("Посилання недійсне", "Скористайтеся посиланням з нашого листа без змін. "
                                     "Нічого не збережено."),
        "id": ("Tautan ini tidak valid", "Gunakan tautan dari email kami apa adanya. "
                                         "Tidak ada yang disimpan."),
        "nb": ("Lenken er ikke gyldig", "Bruk lenken fra e-posten vår akkurat som den er. "
                                        "Ingenting ble lagret."),
    },
}

_STYLE = (
    "body{margin:0;font:1.125rem/1.6 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:#1a1a1a;background:#fff}"
    "main{max-width:36rem;margin:0 auto;padding:2rem 1.25rem}"
    "h1{font-size:1.6rem;line-height:1.3;margin:0 0 1rem}"
    "p{margin:0 0 1rem}"
    "@media (prefers-color-scheme:dark){body{color:#f2f2f2;background:#121212}}"
)


def rating_page(result: RatingResult, shop_name: str = "") -> str:
    """The small page a rating link lands on: a heading and one sentence, in the language.

    Plain HTML that meets WCAG 2.1 AA: the page's language, a title that says what happened,
    one ``h1`` in a ``main`` landmark, text that reflows at 400 % zoom, contrast above 15:1 in
    light and dark mode, and no script.
    """
    language = language_or_default(result.language)
    pages = _PAGES[result.page]
    heading, body = pages.get(language, pages["en"])
    rating = (f"{result.score}/5, {rating_name(result.score, language)}"
              if result.score is not None else "")
    title = f"{heading} | {shop_name}" if shop_name else heading
    return (
        f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{html.escape(heading)}</h1>"
        f"<p>{html.escape(body.format(rating=rating))}</p></main></body></html>")


def accepted_language(header: Optional[str]) -> str:
    """The first of the six languages an ``Accept-Language`` header names (English if none)."""
    for part in (header or "").split(","):
        code = part.split(";")[0].strip().lower().split("-")[0]
        if code in ("no", "nn"):
            code = "nb"
        if code and language_or_default(code) == code:
            return code
    return "en"
