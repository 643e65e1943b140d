"""Custom Rasa NLU components of the shop assistant."""
