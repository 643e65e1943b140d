"""The trainers' review inbox in the console (role trainer or admin)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Set

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
        return response.json(model_info(status.get("model_file") or ""))

    @review.post("/api/model/reload")
    @guarded
    async def reload(request: Request) -> HTTPResponse:
        require(request, roles=TRAINER_ROLES)
        path = request.app.ctx.settings.project_root / "models" / "current.tar.gz"
        if not path.exists():
            return response.json({"error": "no trained model: run make train"}, status=404)
        await request.app.ctx.control.load_model(str(path))
        return response.json(model_info(str(path)))


def model_info(model_file: str) -> dict:
    """Which model is live and when it was trained (the archive's modification time)."""
    import os
    from datetime import datetime

    trained = None
    if model_file and os.path.exists(model_file):
        trained = datetime.fromtimestamp(os.path.getmtime(model_file)).isoformat(
            timespec="seconds")
    return {"model_file": os.path.basename(model_file) if model_file else None,
            "trained_at": trained}
