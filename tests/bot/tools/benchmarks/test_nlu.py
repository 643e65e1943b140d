"""Benchmark trainings: every timed training starts from nothing an earlier one computed, unless
a retraining is asked for with the first training's cache."""

from pathlib import Path

from bot.tools.benchmarks import nlu


def record_runs(monkeypatch):
    runs = []

    def run(command, **kwargs):
        runs.append((command, kwargs["env"]))

    monkeypatch.setattr(nlu.subprocess, "run", run)
    return runs


def test_each_timed_training_has_a_training_cache_of_its_own(monkeypatch, tmp_path):
    runs = record_runs(monkeypatch)
    data = tmp_path / "data.yml"
    nlu.train_nlu(Path("config.yml"), [data], tmp_path, "first")
    nlu.train_nlu(Path("config.yml"), [data], tmp_path, "second")
    nlu.train_full(Path("config.yml"), tmp_path, "full")
    caches = [env["RASA_CACHE_DIRECTORY"] for _, env in runs]
    assert len(set(caches)) == 3
    assert all(Path(cache).parent == tmp_path for cache in caches)


def test_a_retraining_can_reuse_the_first_trainings_cache(monkeypatch, tmp_path):
    runs = record_runs(monkeypatch)
    data = tmp_path / "data.yml"
    nlu.train_nlu(Path("config.yml"), [data], tmp_path, "first")
    nlu.train_nlu(Path("config.yml"), [data], tmp_path, "edited",
                  cache=nlu.cold_cache(tmp_path, "first"))
    assert runs[0][1]["RASA_CACHE_DIRECTORY"] == runs[1][1]["RASA_CACHE_DIRECTORY"]
    assert "--fixed-model-name" in runs[1][0] and "edited" in runs[1][0]
