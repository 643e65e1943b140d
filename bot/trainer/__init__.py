"""Tools for trainers: data checks and adding examples without hand-editing YAML."""
