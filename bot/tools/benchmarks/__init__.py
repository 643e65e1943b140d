"""``make bench``: understanding and speed of the project's pipeline beside Rasa's default.

Prints Markdown tables (and writes them to ``results/benchmarks.md``); never asserts.
"""
