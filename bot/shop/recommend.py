"""Product suggestions from a customer's purchase history.

What goes with what is a small table of category pairs (boots go with socks, a jacket with a
beanie), overridable per shop; products the customer already bought and products out of stock
are never suggested. Categories bought most recently weigh most.
"""

from __future__ import annotations

from typing import Dict, List, Mapping, Sequence, Tuple

from bot.shop.models import Order, OrderState, Product

#: Categories that go well with a bought category, best match first.
COMPLEMENTS: Dict[str, Tuple[str, ...]] = {
    "footwear": ("accessories", "trousers"),
    "jackets": ("accessories", "midlayers"),
    "midlayers": ("base layers", "jackets"),
    "base layers": ("midlayers", "accessories"),
    "trousers": ("footwear", "base layers"),
    "backpacks": ("accessories", "footwear"),
    "accessories": ("base layers",),
}


def recommend(orders: Sequence[Order], catalogue: Sequence[Product], limit: int = 3,
              complements: Mapping[str, Sequence[str]] = COMPLEMENTS) -> List[Product]:
    """Up to ``limit`` products the customer has not bought, best first.

    Args:
        orders: The customer's orders, newest first (cancelled ones are ignored).
        catalogue: Every product of the shop.
        complements: Category -> categories that go with it.
    """
    by_sku = {p.sku: p for p in catalogue}
    bought_skus, bought_names = set(), set()
    recency: List[str] = []  # categories, most recent first
    for order in orders:
        if order.status == OrderState.CANCELLED:
            continue
        for line in order.lines:
            bought_skus.add(line.sku)
            bought_names.add(line.product_name.lower())
            product = by_sku.get(line.sku)
            if product and product.category not in recency:
                recency.append(product.category)
    if not recency:
        return []
    scores: Dict[str, float] = {}
    for rank, category in enumerate(recency):
        weight = 1.0 / (1 + rank)
        for position, other in enumerate(complements.get(category, ())):
            scores[other] = scores.get(other, 0.0) + weight * (2.0 - 0.5 * position)
        scores[category] = scores.get(category, 0.0) + 0.5 * weight
    candidates = [p for p in catalogue if p.sku not in bought_skus
                  and p.name.lower() not in bought_names and p.sizes_in_stock
                  and scores.get(p.category, 0.0) > 0]
    candidates.sort(key=lambda p: (-scores[p.category], p.price, p.name))
    picked: List[Product] = []
    for product in candidates:  # one per category first, then the rest
        if all(p.category != product.category for p in picked):
            picked.append(product)
    picked += [p for p in candidates if p not in picked]
    return picked[:limit]
