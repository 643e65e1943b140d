"""Custom Rasa NLU components of the shop assistant."""

from __future__ import annotations

from typing import Any, Collection, Dict, List

Entity = Dict[str, Any]


def supersede(entities: List[Entity], found: List[Entity], entity: str,
              give_way: Collection[str]) -> List[Entity]:
    """``found`` in place of every other extractor's ``entity``, and of the ``give_way`` kinds
    of entity that overlap what was found; everything else is kept."""
    def overlaps(other: Entity) -> bool:
        start, end = other.get("start"), other.get("end")
        return start is not None and end is not None and any(
            start < span["end"] and span["start"] < end for span in found)

    kept = [other for other in entities if other.get("entity") != entity
            and not (other.get("entity") in give_way and overlaps(other))]
    return kept + found
