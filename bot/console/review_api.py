"""The trainers' review inbox in the console (role trainer or admin)."""

from __future__ import annotations

import asyncio
import json
import tarfile
from dataclasses import asdict
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Optional, Set

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console.auth import COOKIE, guarded, require
from bot.review.inbox import SPECIAL_LABELS, ReviewInbox
from bot.text.nlu_data import read_examples

TRAINER_ROLES = ("trainer", "admin")


def review_blueprint() -> Blueprint:
    """The review inbox page, its items and labels, and the live model."""
    review = Blueprint("review_inbox")
    add_inbox_routes(review)
    add_label_routes(review)
    add_model_routes(review)
    return review


def inbox(request: Request) -> ReviewInbox:
    """The app's review inbox, opened on first use over the queue store."""
    if getattr(request.app.ctx, "review", None) is None:
        settings = request.app.ctx.settings
        request.app.ctx.review = ReviewInbox(request.app.ctx.queue, settings.nlu_dir,
                                             settings.tracker_store_url)
    return request.app.ctx.review


def known_labels(request: Request) -> Set[str]:
    """The intents and FAQ keys of the training data."""
    return {e.label for e in read_examples(request.app.ctx.settings.nlu_dir)}


def add_inbox_routes(review: Blueprint) -> None:
    """The inbox page, and the messages to review (refreshed from the tracker store)."""

    @review.get("/review")
    async def page(request: Request) -> HTTPResponse:
        agent = request.app.ctx.queue.session_agent(request.cookies.get(COOKIE, ""))
        if agent is None:
            return response.redirect("/login")
        if agent.role not in TRAINER_ROLES:
            return response.text("The review inbox is for trainers and admins.", status=403)
        return await response.file(request.app.ctx.static / "review.html")

    @review.get("/api/review")
    @guarded
    async def items(request: Request) -> HTTPResponse:
        require(request, roles=TRAINER_ROLES)
        box = inbox(request)
        if request.app.ctx.settings.tracker_store_url:
            box.refresh(faq_below=request.app.ctx.settings.faq_confidence_threshold)
        args = request.args
        found = box.items(args.get("language"), args.get("intent"), args.get("since"),
                          args.get("until"))
        return response.json({"items": [asdict(item) for item in found]})


def add_label_routes(review: Blueprint) -> None:
    """The labels a trainer may choose, and labelling messages as training examples."""

    @review.get("/api/review/labels")
    @guarded
    async def labels(request: Request) -> HTTPResponse:
        require(request, roles=TRAINER_ROLES)
        known = sorted(known_labels(request))
        return response.json({"labels": known + [label for label in SPECIAL_LABELS
                                                 if label not in known]})

    @review.post("/api/review/label")
    @guarded
    async def label(request: Request) -> HTTPResponse:
        trainer = require(request, roles=TRAINER_ROLES)
        body = request.json if isinstance(request.json, dict) else {}
        ids, chosen = body.get("event_ids"), body.get("label")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids):
            return response.json({"error": "'event_ids' must be a list of numbers"},
                                 status=400)
        if chosen not in known_labels(request) | set(SPECIAL_LABELS):
            return response.json({"error": "unknown label"}, status=400)
        written = inbox(request).label(ids, chosen, trainer.username)
        return response.json({"labelled": len(ids), "files": written})


def add_model_routes(review: Blueprint) -> None:
    """Which model Rasa runs, and loading the newest trained one."""

    @review.get("/api/model")
    @guarded
    async def model(request: Request) -> HTTPResponse:
        require(request, roles=("agent", "trainer", "admin", "lead"))
        try:
            status = await request.app.ctx.control.status()
        except Exception as error:  # noqa: BLE001
            return response.json({"error": f"Rasa unavailable ({type(error).__name__})"},
                                 status=502)
        info = await asyncio.to_thread(model_info, status.get("model_file") or "",
                                       models_dir(request), status.get("model_id"))
        return response.json(info)

    @review.post("/api/model/reload")
    @guarded
    async def reload(request: Request) -> HTTPResponse:
        require(request, roles=TRAINER_ROLES)
        path = models_dir(request) / "current.tar.gz"
        if not path.exists():
            return response.json({"error": "no trained model: run make train"}, status=404)
        await request.app.ctx.control.load_model(str(path))
        return response.json(await asyncio.to_thread(model_info, str(path), path.parent))


def models_dir(request: Request) -> Path:
    """Where ``make train`` puts the models."""
    return request.app.ctx.settings.project_root / "models"


def model_info(model_file: str, models: Path, model_id: Optional[str] = None) -> Dict[str, Any]:
    """Which model is live and when it was trained.

    Rasa's ``/status`` names only the archive (``current.tar.gz``), so it is looked up in
    ``models`` too. The date is the ``trained_at`` of the archive's ``metadata.json``, else
    the file's modification time. When Rasa gives its ``model_id`` and the archive on disk is
    another model (trained since, not loaded yet), the date is not the live model's: then
    ``trained_at`` is None and ``newer_model`` is true.
    """
    if not model_file:
        return {"model_file": None, "trained_at": None, "newer_model": False}
    path = Path(model_file)
    if not path.is_file():
        path = models / path.name
    trained, newer = None, False
    if path.is_file():
        metadata = _model_metadata(str(path), path.stat().st_mtime)
        if model_id and metadata.get("model_id") and metadata["model_id"] != model_id:
            newer = True
        else:
            trained = metadata.get("trained_at") or datetime.fromtimestamp(
                path.stat().st_mtime).isoformat(timespec="seconds")
    return {"model_file": path.name, "trained_at": trained, "newer_model": newer}


@lru_cache(maxsize=8)
def _model_metadata(path: str, mtime: float) -> Dict[str, Any]:
    """``trained_at`` (to the second) and ``model_id`` of a Rasa model archive; empty when it
    has none. Cached per file and modification time: reading a model takes about a second."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            for member in archive:
                if member.name.lstrip("/") == "metadata.json":
                    handle = archive.extractfile(member)
                    data = json.load(handle) if handle is not None else {}
                    break
            else:
                return {}
    except (OSError, tarfile.TarError, ValueError):
        return {}
    trained = data.get("trained_at")
    if isinstance(trained, str):
        try:
            trained = datetime.fromisoformat(trained).isoformat(timespec="seconds")
        except ValueError:
            trained = None
    return {"trained_at": trained, "model_id": data.get("model_id")}
