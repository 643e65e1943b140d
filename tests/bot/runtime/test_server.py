import io
import json
import os
import subprocess
import sys
import tarfile

from bot.runtime.server import model_components, with_api_secret
from bot.settings import PROJECT_ROOT


def model_with(tmp_path, uses):
    metadata = json.dumps({"train_schema": {"nodes": {}}, "predict_schema": {"nodes": {
        f"n{i}": {"uses": path} for i, path in enumerate(uses)}}}).encode()
    path = tmp_path / "old.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("metadata.json")
        info.size = len(metadata)
        archive.addfile(info, io.BytesIO(metadata))
    return path


def test_a_model_of_an_earlier_layout_gets_a_clear_message(tmp_path):
    old = model_with(tmp_path, ["rasa.nlu.tokenizers.whitespace_tokenizer.WhitespaceTokenizer",
                                "bot.nlu.classifier.ShopIntentClassifier"])
    assert "bot.nlu.classifier.ShopIntentClassifier" in model_components(old)
    env = {**os.environ, "SHOP_ASSISTANT_VAR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "bot.runtime.server", "run", "--model",
                           str(old)], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 2
    assert "trained with an earlier version" in done.stderr and "make train" in done.stderr
    assert "bot.nlu.classifier.ShopIntentClassifier" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_api_secret_goes_to_rasa_as_a_jwt_secret_only_for_run():
    assert with_api_secret(["run", "--port", "1"], "s3cret") == [
        "run", "--port", "1", "--jwt-secret=s3cret", "--jwt-method", "HS256"]
    # A secret may begin with "-" (URL-safe base64): it must stay the option's value.
    assert "--jwt-secret=-abc" in with_api_secret(["run"], "-abc")
    assert with_api_secret(["run", "--jwt-secret=x"], "s") == ["run", "--jwt-secret=x"]
    assert with_api_secret(["shell"], "s3cret") == ["shell"]
    assert with_api_secret(["run"], "") == ["run"]
