"""The emails the assistant writes: one reply per shopper email, plain text and HTML, threaded,
in the shopper's language, quoting nothing.

A reply never quotes the shopper's email: with a forged From, a quote would carry a stranger's
text to someone else. An email to an order's own address names the order, not the subject a
stranger chose.
"""

from __future__ import annotations

import html
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Any, Dict, Iterable, List, Optional, Protocol, Sequence, Tuple

from bot.email.triage import ASSISTANT_HEADER
from bot.i18n import format_date, language_or_default, status_name
from bot.shop.models import Order

_TEXTS: Dict[str, Dict[str, str]] = {
    "hello": {
        "en": "Hello,", "fi": "Hei,", "tr": "Merhaba,", "uk": "Вітаємо!", "id": "Halo,",
        "nb": "Hei,",
    },
    "signed": {
        "en": "Best regards,\n{team} (automatic reply)",
        "fi": "Ystävällisin terveisin\n{team} (automaattinen vastaus)",
        "tr": "Saygılarımızla,\n{team} (otomatik yanıt)",
        "uk": "З повагою,\n{team} (автоматична відповідь)",
        "id": "Salam,\n{team} (balasan otomatis)",
        "nb": "Vennlig hilsen\n{team} (automatisk svar)",
    },
    "order_subject": {
        "en": "Your order {order}", "fi": "Tilauksesi {order}", "tr": "Siparişiniz {order}",
        "uk": "Ваше замовлення {order}", "id": "Pesanan Anda {order}",
        "nb": "Din bestilling {order}",
    },
    "order_status": {
        "en": "Order {order} is {status}.", "fi": "Tilauksen {order} tila: {status}.",
        "tr": "{order} numaralı siparişin durumu: {status}.",
        "uk": "Стан замовлення {order}: {status}.", "id": "Status pesanan {order}: {status}.",
        "nb": "Status for bestilling {order}: {status}.",
    },
    "order_items": {
        "en": "Items: {items}", "fi": "Tuotteet: {items}", "tr": "Ürünler: {items}",
        "uk": "Товари: {items}", "id": "Barang: {items}", "nb": "Varer: {items}",
    },
    "order_tracking": {
        "en": "Carrier {carrier}, tracking code {code}: {url}",
        "fi": "Kuljetusliike {carrier}, seurantakoodi {code}: {url}",
        "tr": "Kargo firması {carrier}, takip kodu {code}: {url}",
        "uk": "Перевізник {carrier}, код відстеження {code}: {url}",
        "id": "Kurir {carrier}, kode pelacakan {code}: {url}",
        "nb": "Transportør {carrier}, sporingskode {code}: {url}",
    },
    "order_expected": {
        "en": "Expected delivery: {date}.", "fi": "Arvioitu toimitus: {date}.",
        "tr": "Tahmini teslimat: {date}.", "uk": "Очікувана доставка: {date}.",
        "id": "Perkiraan tiba: {date}.", "nb": "Forventet levering: {date}.",
    },
    "order_why_here": {
        "en": "We sent this to the email address on the order because someone asked about "
              "it by email. If that was not you, you can ignore this message.",
        "fi": "Lähetimme tämän tilauksen sähköpostiosoitteeseen, koska joku kysyi tilauksesta "
              "sähköpostilla. Jos se et ollut sinä, voit jättää viestin huomiotta.",
        "tr": "Biri e-postayla sorduğu için bunu siparişteki e-posta adresine gönderdik. "
              "Siz değilseniz bu mesajı dikkate almayabilirsiniz.",
        "uk": "Ми надіслали це на адресу, вказану в замовленні, бо хтось запитав про нього "
              "електронною поштою. Якщо це були не ви, просто проігноруйте лист.",
        "id": "Kami mengirim ini ke alamat email pada pesanan karena seseorang menanyakannya "
              "lewat email. Jika itu bukan Anda, abaikan saja pesan ini.",
        "nb": "Vi sendte dette til e-postadressen på bestillingen fordi noen spurte om den på "
              "e-post. Var det ikke deg, kan du se bort fra meldingen.",
    },
    "order_sent_elsewhere": {
        "en": "Thanks for your message. If the order is in our system, we have sent its "
              "status to the email address on the order.",
        "fi": "Kiitos viestistäsi. Jos tilaus löytyy järjestelmästämme, lähetimme sen tilan "
              "tilauksen sähköpostiosoitteeseen.",
        "tr": "Mesajınız için teşekkürler. Sipariş sistemimizde varsa, durumunu siparişteki "
              "e-posta adresine gönderdik.",
        "uk": "Дякуємо за лист. Якщо замовлення є в нашій системі, ми надіслали його стан на "
              "адресу електронної пошти, вказану в замовленні.",
        "id": "Terima kasih atas pesan Anda. Jika pesanan ada di sistem kami, statusnya sudah "
              "kami kirim ke alamat email pada pesanan.",
        "nb": "Takk for meldingen. Hvis bestillingen finnes hos oss, har vi sendt statusen til "
              "e-postadressen på bestillingen.",
    },
    "order_number_please": {
        "en": "Please reply with your order number (for example {example}); we will send the "
              "order's status to the email address on the order.",
        "fi": "Vastaa tähän tilausnumerollasi (esimerkiksi {example}), niin lähetämme "
              "tilauksen tilan tilauksen sähköpostiosoitteeseen.",
        "tr": "Lütfen sipariş numaranızla yanıt verin (örneğin {example}); siparişin "
              "durumunu siparişteki e-posta adresine göndereceğiz.",
        "uk": "Будь ласка, надішліть номер замовлення (наприклад, {example}); ми надішлемо "
              "його стан на адресу, вказану в замовленні.",
        "id": "Silakan balas dengan nomor pesanan Anda (misalnya {example}); kami akan "
              "mengirim statusnya ke alamat email pada pesanan.",
        "nb": "Svar med bestillingsnummeret ditt (for eksempel {example}), så sender vi "
              "statusen til e-postadressen på bestillingen.",
    },
    "order_change": {
        "en": "We cannot change or cancel orders by email. Please use the chat on our "
              "website, where you can do it yourself: {url}\nIf you would rather have a "
              "person help you, just ask for one in your reply.",
        "fi": "Tilauksia ei voi muuttaa tai perua sähköpostilla. Voit tehdä sen itse "
              "verkkosivujemme chatissa: {url}\nJos haluat mieluummin ihmisen apua, pyydä sitä "
              "vastauksessasi.",
        "tr": "Siparişleri e-postayla değiştiremiyor veya iptal edemiyoruz. Bunu web "
              "sitemizdeki sohbetten kendiniz yapabilirsiniz: {url}\nBir temsilcinin yardım "
              "etmesini isterseniz yanıtınızda belirtin.",
        "uk": "Ми не змінюємо й не скасовуємо замовлення електронною поштою. Ви можете зробити "
              "це самі в чаті на нашому сайті: {url}\nЯкщо хочете допомоги людини, просто "
              "напишіть про це у відповіді.",
        "id": "Kami tidak dapat mengubah atau membatalkan pesanan lewat email. Anda bisa "
              "melakukannya sendiri di chat situs kami: {url}\nJika ingin dibantu petugas, "
              "sampaikan saja di balasan Anda.",
        "nb": "Vi kan ikke endre eller kansellere bestillinger på e-post. Du kan gjøre det selv "
              "i chatten på nettsiden vår: {url}\nVil du heller ha hjelp av en person, skriv "
              "det i svaret ditt.",
    },
    "ticket": {
        "en": "Thanks for your message. It is now with our customer service team (case "
              "{ticket}), and a person will answer you by email.",
        "fi": "Kiitos viestistäsi. Se on nyt asiakaspalvelumme käsittelyssä (tapaus "
              "{ticket}), ja ihminen vastaa sinulle sähköpostilla.",
        "tr": "Mesajınız için teşekkürler. Mesajınız müşteri hizmetleri ekibimize iletildi "
              "(kayıt {ticket}); bir temsilcimiz size e-postayla yanıt verecek.",
        "uk": "Дякуємо за лист. Його передано нашій службі підтримки (звернення {ticket}), "
              "і працівник відповість вам електронною поштою.",
        "id": "Terima kasih atas pesan Anda. Pesan sudah diteruskan ke tim layanan pelanggan "
              "kami (kasus {ticket}), dan petugas akan membalas lewat email.",
        "nb": "Takk for meldingen. Den er nå hos kundeservice (sak {ticket}), og en person "
              "svarer deg på e-post.",
    },
}


_TEXTS["survey"] = {
    "en": "Your case {ticket} is now resolved. How satisfied are you with the help you got? "
          "One click on a rating below is enough.",
    "fi": "Tapauksesi {ticket} on nyt ratkaistu. Kuinka tyytyväinen olet saamaasi apuun? "
          "Yksi napsautus alla olevaan arvioon riittää.",
    "tr": "{ticket} numaralı kaydınız çözüldü. Aldığınız yardımdan ne kadar memnunsunuz? "
          "Aşağıdaki puanlardan birine bir kez tıklamanız yeterli.",
    "uk": "Ваше звернення {ticket} вирішено. Наскільки ви задоволені допомогою? "
          "Достатньо одного натискання на оцінку нижче.",
    "id": "Kasus Anda {ticket} sudah selesai. Seberapa puas Anda dengan bantuan kami? "
          "Cukup satu klik pada salah satu nilai di bawah.",
    "nb": "Saken din {ticket} er nå løst. Hvor fornøyd er du med hjelpen du fikk? "
          "Ett klikk på en vurdering nedenfor er nok.",
}

#: The five ratings, best first, as the survey email and the rating page name them.
_RATINGS: Dict[str, Tuple[str, str, str, str, str]] = {
    "en": ("Very satisfied", "Satisfied", "Neither satisfied nor dissatisfied", "Dissatisfied",
           "Very dissatisfied"),
    "fi": ("Erittäin tyytyväinen", "Tyytyväinen", "En tyytyväinen enkä tyytymätön",
           "Tyytymätön", "Erittäin tyytymätön"),
    "tr": ("Çok memnunum", "Memnunum", "Ne memnunum ne değilim", "Memnun değilim",
           "Hiç memnun değilim"),
    "uk": ("Дуже задоволений", "Задоволений", "Ні задоволений, ні незадоволений",
           "Незадоволений", "Дуже незадоволений"),
    "id": ("Sangat puas", "Puas", "Biasa saja", "Tidak puas", "Sangat tidak puas"),
    "nb": ("Svært fornøyd", "Fornøyd", "Verken fornøyd eller misfornøyd", "Misfornøyd",
           "Svært misfornøyd"),
}


class Threaded(Protocol):
    """What an answer is threaded under: a received email, or a conversation's stored thread."""

    @property
    def message_id(self) -> str:
        """The Message-ID answered (In-Reply-To)."""

    @property
    def thread(self) -> Tuple[str, ...]:
        """The References of the answer."""


def rating_choices(language: Optional[str]) -> List[Tuple[int, str]]:
    """The ratings 5 to 1 with their names, e.g. ``(5, "★★★★★ 5/5 Very satisfied")``."""
    names = _RATINGS.get(language_or_default(language), _RATINGS["en"])
    return [(score, f"{'★' * score} {score}/5 {name}") for score, name in zip(range(5, 0, -1),
                                                                            names)]


def rating_name(score: int, language: Optional[str]) -> str:
    """The name of one rating (1-5) in the language."""
    names = _RATINGS.get(language_or_default(language), _RATINGS["en"])
    return names[5 - score]


def text(key: str, language: Optional[str], **values: Any) -> str:
    """One of the email texts in the language (English when it has none)."""
    variants = _TEXTS[key]
    return variants.get(language_or_default(language), variants["en"]).format(**values)


def order_status_paragraphs(order: Order, language: str) -> List[str]:
    """What an email about an order says: state, items, tracking, expected delivery."""
    lines = [text("order_status", language, order=order.order_id,
                  status=status_name(order.status.value, language)),
             text("order_items", language, items=order.describe_items())]
    if order.tracking_code:
        lines.append(text("order_tracking", language, carrier=order.carrier or "-",
                          code=order.tracking_code, url=order.tracking_url or "-"))
    if order.expected_delivery and order.status.value not in ("delivered", "cancelled",
                                                              "returned"):
        lines.append(text("order_expected", language,
                          date=format_date(order.expected_delivery, language)))
    return ["\n".join(lines)]


def bot_paragraphs(messages: Iterable[Dict[str, Any]]) -> List[str]:
    """The bot's messages of one turn as paragraphs (buttons become a list of choices)."""
    paragraphs: List[str] = []
    for message in messages:
        parts = [str(message["text"])] if message.get("text") else []
        buttons = [str(button.get("title")) for button in message.get("buttons") or []
                   if isinstance(button, dict) and button.get("title")]
        parts += [f"- {title}" for title in buttons]
        if message.get("image"):
            parts.append(str(message["image"]))
        if parts:
            paragraphs.append("\n".join(parts))
    return paragraphs


def compose(*, to: str, sender: str, team: str, subject: str, paragraphs: Sequence[str],
            language: str, answering: Optional[Threaded] = None,
            links: Sequence[Tuple[str, str]] = ()) -> EmailMessage:
    """An email from the assistant: greeting, paragraphs, sign-off; plain text and HTML.

    Args:
        to: The recipient.
        sender: The assistant's own address (From).
        team: The name the email is signed with.
        subject: The subject line (``Re: `` is added when answering).
        paragraphs: What the email says.
        language: The shopper's language.
        answering: The email (or stored thread) this one answers: threads it (In-Reply-To,
            References).
        links: ``(label, url)`` pairs listed after the paragraphs (the rating links).

    Returns:
        A message marked as the assistant's own (``X-Shop-Assistant``) and as an automatic
        reply (``Auto-Submitted: auto-replied``, so other robots do not answer it).
    """
    listed = "\n".join(f"{label}: {url}" for label, url in links)
    body = [text("hello", language), *paragraphs, *([listed] if listed else []),
            text("signed", language, team=team)]
    message = EmailMessage()
    message["From"] = formataddr((team, sender))
    message["To"] = to
    message["Subject"] = _reply_subject(subject) if answering else subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-replied"
    message[ASSISTANT_HEADER] = "1"
    if answering is not None and answering.message_id:
        message["In-Reply-To"] = answering.message_id
        message["References"] = " ".join(answering.thread)
    message.set_content("\n\n".join(body) + "\n")
    message.add_alternative(_html([text("hello", language), *paragraphs], language, links,
                                  text("signed", language, team=team)), subtype="html")
    # After the body: setting the content replaces every Content-* header.
    message["Content-Language"] = language_or_default(language)
    return message


def _reply_subject(subject: str) -> str:
    subject = " ".join(subject.split())[:200]
    if subject.lower().startswith(("re:", "vs:", "sv:", "ynt:", "відп:", "balas:")):
        return subject
    return f"Re: {subject}" if subject else "Re:"


def _html(paragraphs: Sequence[str], language: str, links: Sequence[Tuple[str, str]] = (),
          signed: str = "") -> str:
    body = "".join(_paragraph(p) for p in paragraphs)
    if links:
        items = "".join(f'<li><a href="{html.escape(url, quote=True)}">{html.escape(label)}</a>'
                        "</li>" for label, url in links)
        body += f'<ul style="list-style:none;padding:0;line-height:2">{items}</ul>'
    body += _paragraph(signed) if signed else ""
    return (f'<!DOCTYPE html><html lang="{language_or_default(language)}"><head>'
            f'<meta charset="utf-8"></head><body>{body}</body></html>')


def _paragraph(text_: str) -> str:
    return f"<p>{html.escape(text_).replace(chr(10), '<br>')}</p>"
