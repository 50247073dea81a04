"""Optional spaCy NER: the policy's ``ner:`` section, names found by a real spaCy pipeline saved
to disk (rule-based: no pretrained model can be downloaded here), one warning line and the
built-in name detection when the model is missing, and no spaCy import unless NER is on."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from sanitizers import PolicyError, Sanitizer, default_policy
from sanitizers.ner import NameModel, load_name_model
from sanitizers.policy import NerConfig, parse_policy

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = {"version": 1, "name": "t", "rules": [{"id": "names", "detectors": ["PERSON"]}]}  # no presidio
# Names no cue, gazetteer or capital gives away: only the model knows them.
TEXT = "refund for zorblax quintrell declined by Stripe"
REPORTS_SPACY = ("import atexit, sys; atexit.register(lambda: print('spacy imported:', 'spacy' in sys.modules, "
                 "file=sys.stderr)); from replay.cli import main; main()")


def _policy(ner: object) -> str:
    return yaml.safe_dump({**MINIMAL, "ner": ner})


@pytest.fixture
def person_model(tmp_path: Path) -> Path:
    """A real spaCy pipeline on disk whose entity ruler knows two people and a company."""
    spacy = pytest.importorskip("spacy", reason="spaCy is not installed (the `ner` extra)")
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([
        {"label": "PERSON", "pattern": [{"LOWER": "zorblax"}, {"LOWER": "quintrell"}]},
        {"label": "PERSON", "pattern": [{"LOWER": "okonkwo"}]},
        {"label": "ORG", "pattern": "Stripe"},
    ])
    nlp.to_disk(tmp_path / "model")
    return tmp_path / "model"


# --- policy --------------------------------------------------------------------------------------

def test_ner_is_off_when_the_policy_has_no_ner_section() -> None:
    assert parse_policy(yaml.safe_dump(MINIMAL), source="p.yaml").ner == NerConfig()
    assert NerConfig().enabled is False


def test_default_policy_ships_ner_disabled_with_the_small_english_model() -> None:
    ner = default_policy().ner
    assert (ner.enabled, ner.model, ner.labels) == (False, "en_core_web_sm", ("PERSON",))
    assert "exception.values.*.value" in ner.fields and "breadcrumbs.values.*.message" in ner.fields


def test_ner_section_sets_model_labels_fields_and_action() -> None:
    ner = parse_policy(_policy({"enabled": True, "model": "/models/people", "labels": ["PER", "PERSON"],
                                "fields": ["logentry.formatted"], "action": "mask"}), source="p.yaml").ner
    assert ner == NerConfig(enabled=True, model="/models/people", labels=("PER", "PERSON"),
                            fields=("logentry.formatted",), action="mask")
    assert (ner.rule.entity, ner.rule.action, ner.rule.where) == ("PERSON", "mask", ("logentry.formatted",))


@pytest.mark.parametrize(("ner", "message"), [
    (["on"], "p.yaml: `ner` must be a mapping"),
    ({"modle": "x"}, "p.yaml: ner: unknown fields: modle"),
    ({"enabled": "yes"}, "p.yaml: ner.enabled: expected true or false"),
    ({"model": ""}, "p.yaml: ner.model: expected an installed package name or a pipeline path"),
    ({"labels": []}, "p.yaml: ner.labels: expected at least one entry"),
    ({"fields": [1]}, "p.yaml: ner.fields: expected a list of strings"),
    ({"action": "shred"}, "p.yaml: ner.action: unknown action 'shred'"),
])
def test_a_broken_ner_section_names_the_key(ner: object, message: str) -> None:
    with pytest.raises(PolicyError) as excinfo:
        parse_policy(_policy(ner), source="p.yaml")
    assert str(excinfo.value).startswith(message)


# --- the model -----------------------------------------------------------------------------------

def test_name_model_finds_person_spans_and_ignores_other_labels(person_model: Path) -> None:
    model = load_name_model(NerConfig(enabled=True, model=str(person_model)))
    assert model is not None
    texts = [TEXT, "nothing here", "ask okonkwo"]
    found = model.find(texts)
    assert [[text[s:e] for s, e in spans] for text, spans in zip(texts, found)] == [
        ["zorblax quintrell"], [], ["okonkwo"]]


def test_person_labels_are_configurable(person_model: Path) -> None:
    model = load_name_model(NerConfig(enabled=True, model=str(person_model), labels=("ORG",)))
    assert model is not None and model.find([TEXT]) == [[(TEXT.index("Stripe"), len(TEXT))]]


def test_each_distinct_text_is_analysed_once_in_one_batch(person_model: Path) -> None:
    spacy = pytest.importorskip("spacy")
    nlp = spacy.load(person_model)
    batches: list[list[str]] = []
    real_pipe = nlp.pipe

    def recording_pipe(texts: list[str], **kwargs: object):
        batches.append(list(texts))
        return real_pipe(texts, **kwargs)

    nlp.pipe = recording_pipe
    model = NameModel(nlp, ["PERSON"])
    first = model.find([TEXT, TEXT, "ask okonkwo"])
    again = model.find(["ask okonkwo", TEXT])
    assert batches == [[TEXT, "ask okonkwo"]]
    assert again == [first[2], first[0]] == [[(4, 11)], [(11, 28)]]


def test_a_missing_model_warns_once_in_one_line_and_gives_no_model(caplog: pytest.LogCaptureFixture) -> None:
    config = NerConfig(enabled=True, model="no_such_ner_model_for_the_warning_test")
    with caplog.at_level(logging.WARNING, logger="sanitizers.ner"):
        assert load_name_model(config) is None
        assert load_name_model(config) is None
    [record] = caplog.records
    message = record.getMessage()
    assert "spaCy NER is off" in message and "built-in detection" in message and "\n" not in message


def test_a_model_without_the_person_label_gives_a_warning_naming_it(
        person_model: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="sanitizers.ner"):
        assert load_name_model(NerConfig(enabled=True, model=str(person_model), labels=("PER",))) is None
    assert "no entity label PER (its labels: ORG, PERSON)" in caplog.records[0].getMessage()


def test_ner_off_loads_nothing(caplog: pytest.LogCaptureFixture) -> None:
    assert load_name_model(NerConfig(model="no_such_ner_model_for_tests")) is None
    assert not caplog.records


# --- the sanitizer -------------------------------------------------------------------------------

def _event(value: str, **extra: str) -> dict:
    return {"event_id": "a" * 32, "exception": {"values": [{"type": "ValueError", "value": value}]},
            "extra": extra}


def test_with_the_model_missing_the_built_in_name_detection_still_runs() -> None:
    policy = replace(default_policy(), ner=NerConfig(enabled=True, model="no_such_ner_model_for_tests"))
    result = Sanitizer(policy, key=b"k").sanitize(_event("Dear Jane Doe, your refund was declined"))
    assert not result.blocked and "Jane Doe" not in json.dumps(result.event)


def test_names_found_by_the_model_are_faked_and_propagated(person_model: Path) -> None:
    policy = replace(default_policy(), ner=NerConfig(enabled=True, model=str(person_model)))
    result = Sanitizer(policy, key=b"k").sanitize(_event(TEXT, note="zorblax quintrell"))
    value = result.event["exception"]["values"][0]["value"]
    assert "zorblax" not in json.dumps(result.event) and value.endswith("declined by Stripe")
    assert value.removeprefix("refund for ").removesuffix(" declined by Stripe") == result.event["extra"]["note"]
    assert [(c.path, c.rule, c.entity) for c in result.changes] == [
        ("exception.values.0.value", "ner-names", "PERSON")]


def test_the_model_runs_only_on_the_policy_fields(person_model: Path) -> None:
    policy = replace(default_policy(), ner=NerConfig(enabled=True, model=str(person_model),
                                                     fields=("logentry.formatted",)))
    result = Sanitizer(policy, key=b"k").sanitize({**_event(TEXT), "logentry": {"formatted": "ask okonkwo"}})
    assert result.event["exception"]["values"][0]["value"] == TEXT
    assert result.event["logentry"]["formatted"] != "ask okonkwo"


# --- imports -------------------------------------------------------------------------------------

def _spacy_imported(*args: str) -> bool:
    """Whether ``replay ARGS`` in a fresh interpreter ends with spaCy in ``sys.modules``."""
    proc = subprocess.run([sys.executable, "-c", REPORTS_SPACY, *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "REPLAY_SECRET_KEY": "k"})
    assert "spacy imported:" in proc.stderr, proc.stderr
    return "spacy imported: True" in proc.stderr


def test_replay_help_never_imports_spacy() -> None:
    assert not _spacy_imported("--help")


def _sanitize_imports_spacy(tmp_path: Path, ner: dict) -> bool:
    """``replay sanitize`` under a policy without presidio's detectors (presidio-analyzer
    imports spaCy itself) and with this ``ner:`` section."""
    event, policy = tmp_path / "event.json", tmp_path / "policy.yaml"
    event.write_text(json.dumps(_event(TEXT)), "utf-8")
    policy.write_text(_policy(ner), "utf-8")
    return _spacy_imported("sanitize", str(event), "--policy", str(policy))


def test_replay_sanitize_never_imports_spacy_when_ner_is_off(tmp_path: Path) -> None:
    assert not _sanitize_imports_spacy(tmp_path, {"enabled": False, "model": "en_core_web_sm"})


def test_replay_sanitize_imports_spacy_when_ner_is_on(tmp_path: Path, person_model: Path) -> None:
    assert _sanitize_imports_spacy(tmp_path, {"enabled": True, "model": str(person_model)})
