"""The shop's profile in the bot's texts: placeholders every response may use, filled from the
settings when the message is sent (so that a shop's name, contacts and formats are settings,
not words in the training data).

| placeholder | from |
|---|---|
| ``{shop_name}``, ``{shop_phone}``, ``{shop_email}`` | ``shop_profile`` name, phone, email |
| ``{currency}`` | ``shop_profile.currency`` |
| ``{return_window_days}`` | ``shop_profile.return_window_days`` |
| ``{order_number_example}`` | ``shop_profile.order_number_example`` |
| ``{carriers}`` | ``shop_profile.carriers``, joined in the language ("Posti, DHL and ...") |
| ``{opening_hours}`` | ``handoff.hours`` in the language ("Mon–Fri 09:00–17:00") |
"""

from __future__ import annotations

from typing import Dict, Optional

from bot.i18n import format_opening_hours, join_list, language_or_default
from bot.settings import Settings

PROFILE_PLACEHOLDERS = frozenset({
    "shop_name", "shop_phone", "shop_email", "currency", "return_window_days",
    "order_number_example", "carriers", "opening_hours",
})


def profile_values(settings: Settings, language: Optional[str] = None) -> Dict[str, str]:
    """The value of every profile placeholder, in the language where it matters."""
    language = language_or_default(language)
    profile = settings.profile
    return {
        "shop_name": profile.name,
        "shop_phone": profile.phone,
        "shop_email": profile.email,
        "currency": profile.currency,
        "return_window_days": str(profile.return_window_days),
        "order_number_example": profile.order_number_example,
        "carriers": join_list(profile.carriers, language),
        "opening_hours": format_opening_hours(settings.handoff.hours, language),
    }
