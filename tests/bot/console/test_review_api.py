"""Which model is live, and when it was trained, as the review inbox shows it."""

import io
import json
import os
import tarfile

from bot.console.review_api import model_info
from tests.bot.console.conftest import login


def model_archive(path, **metadata):
    """A model archive like Rasa's: components, then metadata.json."""
    with tarfile.open(path, "w:gz") as archive:
        for name, data in (("components/x.json", b"{}"),
                           ("metadata.json", json.dumps(metadata).encode())):
            member = tarfile.TarInfo(name)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return path


def test_the_training_date_comes_from_the_models_metadata(tmp_path):
    model_archive(tmp_path / "current.tar.gz", trained_at="2026-11-30T14:05:09.123456",
                  model_id="abc")
    # Rasa's /status names only the archive, not where it is.
    info = model_info("current.tar.gz", tmp_path, "abc")
    assert info == {"model_file": "current.tar.gz", "trained_at": "2026-11-30T14:05:09",
                    "newer_model": False}


def test_without_metadata_the_training_date_is_the_files_time(tmp_path):
    path = tmp_path / "old.tar.gz"
    path.write_bytes(b"not a model")
    os.utime(path, (1_780_000_000, 1_780_000_000))
    assert model_info(str(path), tmp_path)["trained_at"].startswith("2026-05-28")


def test_a_model_trained_since_is_not_the_live_ones_date(tmp_path):
    model_archive(tmp_path / "current.tar.gz", trained_at="2026-12-01T08:00:00", model_id="new")
    info = model_info("current.tar.gz", tmp_path, "old")
    assert info["trained_at"] is None and info["newer_model"] is True


def test_the_model_route_shows_the_date(app, settings, tmp_path, control):
    from dataclasses import replace

    model_archive(tmp_path / "models.tar.gz", trained_at="2026-11-30T14:05:09")
    control.model_file = "models.tar.gz"
    app.ctx.settings = replace(settings, project_root=tmp_path.parent)
    (tmp_path.parent / "models").mkdir(exist_ok=True)
    (tmp_path / "models.tar.gz").rename(tmp_path.parent / "models" / "models.tar.gz")
    _, response = app.test_client.get("/api/model", **login(app, "tina", "tina-password"))
    assert response.status == 200
    assert response.json["trained_at"] == "2026-11-30T14:05:09"


def test_only_trainers_and_admins_open_the_review_inbox(app):
    _, response = app.test_client.get("/review", **login(app))
    assert response.status == 403
    _, response = app.test_client.get("/review", **login(app, "tina", "tina-password"))
    assert response.status == 200
