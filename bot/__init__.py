"""Shop assistant: the logic behind the Rasa bot (no Rasa SDK imports here)."""
