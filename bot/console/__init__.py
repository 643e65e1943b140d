"""The agent console: a Sanic app where support agents work the human queue, and the HTTP API
that lets a shop plug in its own help-desk instead."""

from bot.console.app import create_app

__all__ = ["create_app"]
