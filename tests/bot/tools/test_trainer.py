import pytest

from bot.text.nlu_data import read_examples
from bot.tools.add_example import ExampleError, add_example
from bot.tools.checks import (
    near_duplicates_across_labels,
    same_example_under_two_labels,
    too_few_examples,
)

ENGLISH = """version: "3.1"

# Greetings, written the way shoppers type them.
nlu:
- intent: greet
  examples: |
    - hi
    - hello there   # not a comment inside a block scalar
- intent: goodbye
  examples: |
    - bye
"""


@pytest.fixture
def nlu(tmp_path):
    (tmp_path / "chitchat.yml").write_text(ENGLISH)
    (tmp_path / "fi").mkdir()
    (tmp_path / "fi" / "intents.yml").write_text(
        'version: "3.1"\n\nnlu:\n- intent: greet\n  metadata:\n    language: fi\n'
        "  examples: |\n    - moi\n")
    return tmp_path


def test_example_is_added_at_the_end_of_its_block_keeping_layout_and_comments(nlu):
    add_example(nlu, "greet", "en", "  good   morning ")
    text = (nlu / "chitchat.yml").read_text()
    assert text == ENGLISH.replace("    - hello there   # not a comment inside a block scalar\n",
                                   "    - hello there   # not a comment inside a block scalar\n"
                                   "    - good morning\n")


def test_other_languages_and_new_labels(nlu):
    add_example(nlu, "greet", "fi", "moikka")
    assert "    - moi\n    - moikka\n" in (nlu / "fi" / "intents.yml").read_text()
    path = add_example(nlu, "faq/gift_cards", "fi", "lahjakortti voimassa?")
    assert path == nlu / "fi" / "faq.yml"
    labels = {(e.label, e.language) for e in read_examples(nlu)}
    assert ("faq/gift_cards", "fi") in labels


def test_duplicates_and_bad_input_are_refused(nlu):
    with pytest.raises(ExampleError, match="already there as greet"):
        add_example(nlu, "goodbye", "en", "HI")
    for label, language, text in (("greet", "xx", "hi"), ("Greet!", "en", "hey"),
                                  ("greet", "en", "   ")):
        with pytest.raises(ExampleError):
            add_example(nlu, label, language, text)


def test_checks_name_file_and_line(nlu, tmp_path):
    (nlu / "faq.yml").write_text(
        'nlu:\n- intent: faq/gift_cards\n  examples: |\n    - Bye\n    - byee\n')
    examples = read_examples(nlu)
    problems = same_example_under_two_labels(examples, tmp_path)
    assert len(problems) == 1 and problems[0].where in ("chitchat.yml:11", "faq.yml:4")
    assert "faq/gift_cards" in str(problems[0]) and "goodbye" in str(problems[0])
    near = near_duplicates_across_labels(read_examples(nlu), tmp_path, threshold=0.5)
    assert any("'byee'" in str(p) for p in near) and near[0].severity == "warning"
    few = too_few_examples(examples, tmp_path, minimum=2)
    assert any("goodbye has 0 examples in fi" in p.message and p.severity == "error"
               for p in few)


def test_markup_that_rasa_would_refuse_is_an_error_naming_file_and_line(nlu, tmp_path):
    from bot.tools.checks import entity_markup

    (nlu / "products.yml").write_text(
        'nlu:\n- intent: product_info\n  examples: |\n'
        '    - is the [rain jacket](product) in stock\n'
        '    - is the [parka]{"entity": "product"} dry\n'
        '    - is the [parka]{entity: product} dry\n'        # the shell ate the quotes
        '    - is the [parka](colour) dry\n'                 # no such entity
        '    - is the [parka] {"entity": "product"} dry\n')  # read as plain text
    problems = entity_markup(read_examples(nlu), tmp_path, {"product", "size"})
    assert [(p.where, p.severity) for p in problems] == [
        ("products.yml:6", "error"), ("products.yml:7", "error"), ("products.yml:8", "error")]
    assert "not valid JSON" in problems[0].message
    assert "'colour' is not in domain.yml" in problems[1].message


def test_an_example_with_broken_markup_is_not_added(nlu):
    with pytest.raises(ExampleError, match="not valid JSON"):
        add_example(nlu, "greet", "en", "hi [there]{entity: product}")


def test_make_example_keeps_entity_markup_as_typed(tmp_path):
    """The trainers' command as docs/training.md prints it: TEXT reaches the module intact."""
    import os
    import shutil
    import subprocess

    from bot.settings import PROJECT_ROOT

    nlu = tmp_path / "nlu"
    shutil.copytree(PROJECT_ROOT / "data" / "nlu", nlu)
    text = 'is the [Kestrel parka]{"entity": "product"} "dry" in [M](size) for $5?'
    env = {**os.environ, "TRAINING_DATA_DIR": str(nlu), "LANG": "C.UTF-8"}
    result = subprocess.run(["make", "-s", "example", "LABEL=product_info", f"TEXT={text}"],
                            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    added = [e for e in read_examples(nlu) if e.raw == text]
    assert len(added) == 1 and added[0].label == "product_info" and added[0].language == "en"
    finnish = subprocess.run(["make", "-s", "example", "LABEL=product_info", "LANG=fi",
                              "TEXT=onko [parkatakki](product) saatavilla"], cwd=PROJECT_ROOT,
                             env=env, capture_output=True, text=True, timeout=300)
    assert finnish.returncode == 0, finnish.stderr
    assert any(e.language == "fi" and e.raw == "onko [parkatakki](product) saatavilla"
               for e in read_examples(nlu))


def test_add_example_reads_the_text_from_the_environment(nlu, capsys):
    from bot.tools.add_example import main

    env = {"TEXT": 'hello [there]{"entity": "product"}', "TRAINING_DATA_DIR": str(nlu)}
    assert main(["--label", "greet"], env=env) == 0
    assert any(e.raw == 'hello [there]{"entity": "product"}' for e in read_examples(nlu))
    assert main(["--label", "greet"], env={"TRAINING_DATA_DIR": str(nlu)}) == 2
