"""The whole dialogue model as Rasa trains it: domain.yml plus the generated responses."""

from __future__ import annotations

from functools import lru_cache

from rasa.shared.core.domain import Domain
from rasa.shared.importers.importer import TrainingDataImporter

from bot.settings import PROJECT_ROOT


@lru_cache(maxsize=1)
def load_domain() -> Domain:
    """domain.yml with data/generated/ merged in (what `rasa train` sees)."""
    importer = TrainingDataImporter.load_from_dict(
        domain_path=str(PROJECT_ROOT / "domain.yml"),
        training_data_paths=[str(PROJECT_ROOT / "data" / "generated")])
    return importer.get_domain()
