"""Thin Rasa SDK adapters: read the tracker, call a service in ``bot``, dispatch responses."""
