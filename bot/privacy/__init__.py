"""Shopper data stays private: retention (a daily purge of what is older than the limits of
``settings.retention``) and erasure of one shopper's data from every store (docs/privacy.md)."""

from __future__ import annotations

from bot.privacy.base import Counts, Cutoffs, Shopper, ShopperData
from bot.privacy.records import Report, ShopperRecords, build_shopper_records, purge_expired

__all__ = [
    "Counts", "Cutoffs", "Report", "Shopper", "ShopperData", "ShopperRecords",
    "build_shopper_records", "purge_expired",
]
