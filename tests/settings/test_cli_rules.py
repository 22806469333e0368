"""Config read exactly as the Pulumi CLI reads it: each rule, with the CLI source it follows.

Sources: pulumi/pulumi at tag v3.259.0 (commit 0ac56e876614aedf12771d73ef7e80959b8a6fd4), the newest CLI tag whose
source was available to read; failsafe runs the v3.272.0 SDK. Between v3.259.0 and the newest commit available
(2026-08-21, 3.260.0-dev) only a test file of these changed; v3.260 to v3.272 could not be checked. The CLI parses
with gopkg.in/yaml.v3 v3.0.1 (tests/settings/test_yaml_go.py ports go-yaml's own tests).

- ``sdk/go/common/workspace/loaders.go``: ``readFileStripUTF8BOM``; ``LoadProjectStackBytes`` (Unmarshal into
  ``any``, ``stackConfigNamespacedWithProject``, Marshal, Unmarshal into ``ProjectStack``); ``LoadProjectBytes``
  (``ValidateProject``, ``RewriteShorthandConfigValues``, Marshal, Unmarshal into ``Project``, ``Project.Validate``).
- ``sdk/go/common/resource/config/object.go``: ``unmarshalObject`` (a ``time.Time`` as ``v.String()``, keys of a
  ``map[any]any`` with ``%v``, ``{secure: ...}`` as a secret) and ``MarshalString`` (bools and numbers as JSON text,
  strings as they are, anything else as a JSON object); ``value.go`` and ``map.go`` (``Value.UnmarshalYAML``,
  ``Map.UnmarshalYAML`` with ``ParseKey``; a null value is the empty string); ``key.go`` ``ParseKey``.
- ``sdk/go/common/workspace/project.go``: ``ValidateProject`` with ``project.json``, ``RewriteShorthandConfigValues``,
  ``Project.Validate``, ``ValidateConfigValue``, ``configKeyIsNamespacedByProject``.
- ``pkg/workspace/config.go``: ``ValidateStackConfigAndApplyProjectConfig`` -> ``mergeConfig`` (``createConfigValue``:
  string, int, bool with ``%v``, anything else as JSON; missing keys; ``validateStackConfigValues`` /
  ``validateStackConfigValue``: explicitly typed keys checked against the text, or the ``json.Unmarshal`` of an
  object; ``parseConfigKey``).
- Go's ``time.Time.String()`` and ``time.Parse`` (``time/format.go``; Go 1.25, as pulumi's go.mod requires): a zone
  offset that the machine's local zone has at that instant takes the local zone's name.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from failsafe.settings import stackfiles
from failsafe.settings.config import ConfigError, load_mapping
from failsafe.tooling import cli
from tests.support.projects import ProjectCopy

PULUMI = "pulumi/pulumi v3.259.0"


@pytest.fixture(autouse=True)
def utc_machine(monkeypatch):
    """Timestamps with an offset depend on the machine's local zone (time.Parse); these tests assume a UTC machine
    (as CI runners are) unless they set another zone."""
    monkeypatch.setenv("TZ", "UTC")


# --- stack files: what the program receives -------------------------------------------------------------------

OBJECT_GO = f"{PULUMI} sdk/go/common/resource/config/object.go MarshalString, after loaders.go's round trip"
# (rule, the line under config:, the key the CLI keeps, the text the program receives)
STACK_VALUES = [
    (OBJECT_GO, "failsafe:copySecretPrefix: 060", "failsafe:copySecretPrefix", "48"),  # go-yaml's octal
    (OBJECT_GO, "failsafe:copySecretPrefix: 0x3C", "failsafe:copySecretPrefix", "60"),
    (OBJECT_GO, "failsafe:copySecretPrefix: 6e1", "failsafe:copySecretPrefix", "60"),  # float 60 is written "60"
    (OBJECT_GO, "failsafe:copySecretPrefix: 0o17", "failsafe:copySecretPrefix", "15"),
    (OBJECT_GO, "failsafe:copySecretPrefix: 0b101", "failsafe:copySecretPrefix", "5"),
    (OBJECT_GO, "failsafe:copySecretPrefix: 1_000", "failsafe:copySecretPrefix", "1000"),
    (OBJECT_GO, "failsafe:copySecretPrefix: +30", "failsafe:copySecretPrefix", "30"),
    (OBJECT_GO, "failsafe:copySecretPrefix: 012345678901", "failsafe:copySecretPrefix", "12345678901"),
    (OBJECT_GO, "failsafe:copySecretPrefix: 08", "failsafe:copySecretPrefix", "8"),
    (OBJECT_GO, "failsafe:copySecretPrefix: 1.5", "failsafe:copySecretPrefix", "1.5"),
    (OBJECT_GO, "failsafe:copySecretPrefix: 1e6", "failsafe:copySecretPrefix", "1000000"),
    (OBJECT_GO, "failsafe:copySecretPrefix: 1e20", "failsafe:copySecretPrefix", "100000000000000000000"),
    (OBJECT_GO, "failsafe:copySecretPrefix: 1e21", "failsafe:copySecretPrefix", "1e+21"),  # encoding/json: %e
    (OBJECT_GO, "failsafe:copySecretPrefix: 0.0000001", "failsafe:copySecretPrefix", "1e-7"),
    (OBJECT_GO, "failsafe:copySecretPrefix: -0.0", "failsafe:copySecretPrefix", "0"),  # written "-0": an int
    (OBJECT_GO, "failsafe:copySecretPrefix: 18446744073709551615", "failsafe:copySecretPrefix", "18446744073709551615"),
    (OBJECT_GO, "failsafe:copySecretPrefix: 1e400", "failsafe:copySecretPrefix", "1e400"),  # no float: a string
    (OBJECT_GO, "failsafe:copySecretPrefix: True", "failsafe:copySecretPrefix", "true"),
    (OBJECT_GO, "failsafe:copySecretPrefix: FALSE", "failsafe:copySecretPrefix", "false"),
    (OBJECT_GO, "failsafe:copySecretPrefix: yes", "failsafe:copySecretPrefix", "yes"),
    (f"{PULUMI} map.go: null is no value", "failsafe:copySecretPrefix: ~", "failsafe:copySecretPrefix", ""),
    (f"{PULUMI} map.go: null is no value", "failsafe:copySecretPrefix:", "failsafe:copySecretPrefix", ""),
    (OBJECT_GO, "failsafe:copySecretPrefix: 2024-01-02", "failsafe:copySecretPrefix", "2024-01-02 00:00:00 +0000 UTC"),
    (
        OBJECT_GO,
        "failsafe:copySecretPrefix: 2024-01-02T10:00:00.5Z",
        "failsafe:copySecretPrefix",
        "2024-01-02 10:00:00.5 +0000 UTC",
    ),
    (
        OBJECT_GO,
        "failsafe:copySecretPrefix: 2024-01-02 10:00:00",
        "failsafe:copySecretPrefix",
        "2024-01-02 10:00:00 +0000 UTC",
    ),
    (
        OBJECT_GO,
        "failsafe:copySecretPrefix: 2024-01-02T10:00:00.123456789+02:00",
        "failsafe:copySecretPrefix",
        "2024-01-02 10:00:00.123456789 +0200 +0200",
    ),
    (
        OBJECT_GO + ": +00:00 is written back as Z, so UTC",
        "failsafe:copySecretPrefix: 2024-01-02T10:00:00+00:00",
        "failsafe:copySecretPrefix",
        "2024-01-02 10:00:00 +0000 UTC",
    ),
    (OBJECT_GO, "failsafe:copySecretPrefix: 2024-01-02T10:00:00", "failsafe:copySecretPrefix", "2024-01-02T10:00:00"),
    (OBJECT_GO, "failsafe:copySecretPrefix: !!binary aGVsbG8=", "failsafe:copySecretPrefix", "hello"),
    (OBJECT_GO, "failsafe:copySecretPrefix: !!str 060", "failsafe:copySecretPrefix", "060"),
    (OBJECT_GO, "failsafe:copySecretPrefix: '060'", "failsafe:copySecretPrefix", "060"),
    (OBJECT_GO, 'failsafe:copySecretPrefix: "0x3C"', "failsafe:copySecretPrefix", "0x3C"),
    (OBJECT_GO, "failsafe:copySecretPrefix: !foo 060", "failsafe:copySecretPrefix", "060"),  # unknown tag: the text
    (OBJECT_GO, "failsafe:copySecretPrefix: ! 060", "failsafe:copySecretPrefix", "48"),  # non-specific tag: resolved
    (OBJECT_GO, "failsafe:copySecretPrefix: !!float 30", "failsafe:copySecretPrefix", "30"),
    (OBJECT_GO, "failsafe:copySecretPrefix: &n 060", "failsafe:copySecretPrefix", "48"),
    (OBJECT_GO, "failsafe:copySecretPrefix: |\n    a\n    b", "failsafe:copySecretPrefix", "a\nb\n"),
    (OBJECT_GO + ": a sequence as JSON", "aws:extra: [1, 2.5, 2024-01-02, yes, null]", "aws:extra", ""),
    (OBJECT_GO + ": map keys sorted, HTML escaped", "aws:extra: {b: 1, a: <x>}", "aws:extra", ""),
    (OBJECT_GO + ": map[any]any keys with %v", "aws:extra: {1: a, true: b, ~: c}", "aws:extra", ""),
    (f"{PULUMI} object.go isSecureValue", "aws:extra: {secure: v1:abc}", "aws:extra", "v1:abc"),
    (
        f"{PULUMI} key.go ParseKey: <namespace>:config:<name>",
        "failsafe:config:rtoMinutes: 30",
        "failsafe:rtoMinutes",
        "30",
    ),
    (f"{PULUMI} loaders.go stackConfigNamespacedWithProject", "rtoMinutes: 30", "failsafe:rtoMinutes", "30"),
    (
        f"{PULUMI} loaders.go stackConfigNamespacedWithProject",
        "copySecretPrefix: 060",
        "failsafe:copySecretPrefix",
        "48",
    ),
    (f'{PULUMI} validateStackConfigValue: Atoi("60")', "failsafe:rtoMinutes: 6e1", "failsafe:rtoMinutes", "60"),
    (f'{PULUMI} validateStackConfigValue: Atoi("60")', "failsafe:rtoMinutes: 0x3C", "failsafe:rtoMinutes", "60"),
    (f'{PULUMI} validateStackConfigValue: Atoi("060")', "failsafe:rtoMinutes: '060'", "failsafe:rtoMinutes", "060"),
    (
        f'{PULUMI} validateStackConfigValue: "true"',
        "failsafe:previewPublicUrl: True",
        "failsafe:previewPublicUrl",
        "true",
    ),
    (
        f"{PULUMI} value.go: a list is an object passed as JSON",
        "failsafe:policyExemptions: []",
        "failsafe:policyExemptions",
        "[]",
    ),
]
OBJECTS = {
    "aws:extra: [1, 2.5, 2024-01-02, yes, null]": '[1,2.5,"2024-01-02 00:00:00 +0000 UTC","yes",null]',
    "aws:extra: {b: 1, a: <x>}": '{"a":"\\u003cx\\u003e","b":1}',
    "aws:extra: {1: a, true: b, ~: c}": '{"1":"a","\\u003cnil\\u003e":"c","true":"b"}',
}


@pytest.mark.parametrize(("rule", "line", "key", "text"), STACK_VALUES, ids=[c[1] for c in STACK_VALUES])
def test_stack_file_values_reach_the_program_as_the_cli_hands_them(tmp_path, rule, line, key, text):
    project = ProjectCopy(tmp_path)
    project.add_config("Pulumi.prod.yaml", line)
    expected = OBJECTS.get(line, text)
    values = stackfiles.raw_config("prod", root=tmp_path)
    assert values[key] == expected, f"{rule}: {line!r} reaches the program as {expected!r}, not {values[key]!r}"


# (rule, the line under config:, what the one-line refusal must say)
STACK_REFUSALS = [
    (f"{PULUMI} object.go MarshalString: json.Marshal(+Inf)", "failsafe:copySecretPrefix: .inf", "unsupported value"),
    (
        f"{PULUMI} object.go MarshalString: json.Marshal(NaN)",
        "failsafe:copySecretPrefix: .nan",
        "unsupported value: NaN",
    ),
    ("failsafe: the program receives text", "failsafe:copySecretPrefix: !!binary gIGC", "not UTF-8"),
    (f"{PULUMI} ValidateConfigValue: booleans only true/false", "failsafe:previewPublicUrl: yes", "type boolean"),
    (f"{PULUMI} ValidateConfigValue: 'True' is no literal", "failsafe:previewPublicUrl: 'True'", "type boolean"),
    (
        f"{PULUMI} ValidateConfigValue: strconv.Atoi",
        "failsafe:rtoMinutes: 1.5",
        "= 1.5: expected a value of the declared type integer",
    ),
    (f"{PULUMI} ValidateConfigValue: strconv.Atoi", "failsafe:rtoMinutes: 1e21", 'hands the program "1e+21"'),
    (f"{PULUMI} ValidateConfigValue: strconv.Atoi", "failsafe:rtoMinutes: 1e400", "= 1e400: expected"),
    (f"{PULUMI} ValidateConfigValue: an array is a YAML list", "failsafe:policyExemptions: '[]'", "YAML list"),
    (f"{PULUMI} ValidateConfigValue: items typed", "failsafe:policyExemptions: [1]", "array<string>"),
    (f"{PULUMI} key.go ParseKey", "failsafe:a:b: 1", "could not parse 'failsafe:a:b'"),
    ("config.go validateStackConfigValues: a declared key only", "failsafe:rtominutes: 30", "did you mean rtoMinutes"),
    ("config.go validateStackConfigValues: a declared key only", "rtominutes: 30", "failsafe:rtominutes"),
    (
        "loaders.go stackConfigNamespacedWithProject: the map order decides",
        "rpoMinutes: 30",
        "config key 'rpoMinutes' and 'failsafe:rpoMinutes'",
    ),
    (
        "map.go Map.UnmarshalYAML: two spellings of one key",
        "failsafe:config:rpoMinutes: 30",
        "are both failsafe:rpoMinutes",
    ),
    (
        "loaders.go stackConfigNamespacedWithProject: a key that is not a string",
        "30: x",
        "config key 30: expected a string",
    ),
    (
        "go-yaml v3.0.1 decode.go: 1.0 and 1 are one key once written back",
        "aws:extra: {1: a, 1.0: b}",
        'mapping key "1" already defined',
    ),
]


@pytest.mark.parametrize(("rule", "line", "refusal"), STACK_REFUSALS, ids=[c[1] for c in STACK_REFUSALS])
def test_stack_file_values_the_cli_refuses_are_refused_in_one_line(tmp_path, rule, line, refusal):
    project = ProjectCopy(tmp_path)
    number = project.add_config("Pulumi.prod.yaml", line)
    with pytest.raises((ConfigError, stackfiles.StackFileError)) as caught:
        stackfiles.raw_config("prod", root=tmp_path)
    message = str(caught.value)
    assert refusal in message, f"{rule}: {message}"
    assert "Pulumi.prod.yaml" in message and "\n" not in message, message
    if not line.startswith("30:"):
        assert f"Pulumi.prod.yaml:{number}" in message, f"the error does not name file and line: {message}"


def test_a_key_given_bare_and_namespaced_names_both_lines(tmp_path):
    """loaders.go ``stackConfigNamespacedWithProject`` (v3.259.0) writes both into one Go map, so which value wins
    depends on map iteration order: refused, naming both spellings and where they are."""
    project = ProjectCopy(tmp_path)
    lines = project.text("Pulumi.prod.yaml").splitlines()
    first = next(n for n, text in enumerate(lines, 1) if text.startswith("  failsafe:rpoMinutes:"))
    second = project.add_config("Pulumi.prod.yaml", "rpoMinutes: 240")
    with pytest.raises(stackfiles.StackFileError) as caught:
        stackfiles.raw_config("prod", root=tmp_path)
    assert str(caught.value) == (
        f"Pulumi.prod.yaml:{second}: config key 'rpoMinutes' and 'failsafe:rpoMinutes' (line {first}) are both "
        "failsafe:rpoMinutes: the Pulumi CLI keeps one of the two depending on Go's map order; remove one"
    )


def test_timestamps_with_the_local_zones_offset_take_its_name(tmp_path, monkeypatch):
    """Go's time.Parse (time/format.go): "If that zone was in effect at the given time, use it"; time.Local from
    $TZ (zoneinfo_unix.go initLocal). On a machine in Europe/Berlin, +01:00 in January is CET, +02:00 in July CEST,
    +02:00 in January a fixed zone."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    project = ProjectCopy(tmp_path)
    project.add_config("Pulumi.prod.yaml", "aws:winter: 2024-01-02T10:00:00+01:00")
    project.add_config("Pulumi.prod.yaml", "aws:summer: 2024-07-02T10:00:00+02:00")
    project.add_config("Pulumi.prod.yaml", "aws:fixed: 2024-01-02T10:00:00+02:00")
    values = stackfiles.raw_config("prod", root=tmp_path)
    assert values["aws:winter"] == "2024-01-02 10:00:00 +0100 CET"
    assert values["aws:summer"] == "2024-07-02 10:00:00 +0200 CEST"
    assert values["aws:fixed"] == "2024-01-02 10:00:00 +0200 +0200"
    monkeypatch.setenv("TZ", "")  # Go: $TZ empty is UTC
    assert stackfiles.raw_config("prod", root=tmp_path)["aws:winter"] == "2024-01-02 10:00:00 +0100 +0100"


# --- Pulumi.yaml: declarations and defaults ------------------------------------------------------------------

# (rule, key, default as written, the text the program receives)
DEFAULTS = [
    ("createConfigValue: an int with %v", "dnsTtl", "010", "8"),
    ("Project.Validate: a whole float is an integer; written back it is one", "dnsTtl", "60.0", "60"),
    ("Project.Validate + round trip: 6e1 is the integer 60", "dnsTtl", "6e1", "60"),
    ("createConfigValue", "dnsTtl", "0x3C", "60"),
    ("createConfigValue: a float as JSON", "dnsTtl", "1e21", "1e+21"),
    ("ValidateConfigValue: Atoi of a string", "dnsTtl", "'060'", "060"),
    ("createConfigValue: a bool with %v", "ciAccess", "True", "true"),
    ("createConfigValue: a list as JSON", "backupResourceTypes", "[RDS, 'yes']", '["RDS","yes"]'),
    ("createConfigValue: !!binary is a string", "namePrefix", "!!binary aGVsbG8=", "hello"),
]


@pytest.mark.parametrize(("rule", "key", "default", "text"), DEFAULTS, ids=[f"{c[1]}={c[2]}" for c in DEFAULTS])
def test_pulumi_yaml_defaults_reach_the_program_as_the_cli_stores_them(tmp_path, rule, key, default, text):
    """pkg/workspace/config.go ``createConfigValue`` (v3.259.0), after loaders.go ``LoadProjectBytes``' round trip
    and project.go ``Project.Validate``."""
    project = ProjectCopy(tmp_path)
    project.set_default(key, default)
    values = stackfiles.raw_config("dr", root=tmp_path)
    assert values[f"failsafe:{key}"] == text, f"{rule}: default {default} should reach the program as {text!r}"


# (rule, key, default as written, what the one-line refusal must say)
DEFAULT_REFUSALS = [
    (
        "ValidateConfigValue: a string default must be a string",
        "prodAccountId",
        "111111111111",
        "the number 111111111111 (12 digits)",
    ),
    (
        "ValidateConfigValue: an unquoted leading 0 is lost",
        "prodAccountId",
        "012345678901",
        "default 012345678901 is not of the declared type 'string': the Pulumi CLI reads the number 12345678901 (11 "
        'digits); an unquoted number loses its leading 0: quote it, "012345678901", to keep it as written',
    ),
    ("ValidateConfigValue: booleans only true/false", "ciAccess", "yes", "the string 'yes'"),
    ("ValidateConfigValue: integers", "dnsTtl", "1.5", "the number 1.5"),
    ("ValidateConfigValue: a uint64 is no Go int", "dnsTtl", "18446744073709551615", "the number 18446744073709551615"),
    ("createConfigValue: json.Marshal(+Inf)", "dnsTtl", ".inf", "unsupported value: +Inf"),
    ("ValidateConfigValue: a timestamp is no string", "namePrefix", "2024-01-02", "the timestamp 2024-01-02 00:00:00"),
    ("ValidateConfigValue: a list where a string is declared", "namePrefix", "[a]", "a list"),
    ("ValidateConfigValue: array items typed", "protectedBuckets", "[1, 2]", "'array<string>'"),
    ("ValidateConfigValue: array items typed", "protectedBuckets", "[assets, 2024-01-02]", "'array<string>'"),
]


@pytest.mark.parametrize(
    ("rule", "key", "default", "refusal"), DEFAULT_REFUSALS, ids=[f"{c[1]}={c[2]}" for c in DEFAULT_REFUSALS]
)
def test_pulumi_yaml_defaults_the_cli_refuses_are_refused_naming_what_was_written(
    tmp_path, rule, key, default, refusal
):
    """project.go ``Project.Validate`` / ``ValidateConfigValue`` and config.go ``createConfigValue`` (v3.259.0)."""
    project = ProjectCopy(tmp_path)
    project.set_default(key, default)
    with pytest.raises(stackfiles.StackFileError) as caught:
        stackfiles.declarations(root=tmp_path)
    message = str(caught.value)
    line = project.text("Pulumi.yaml").splitlines().index(f"    default: {default}") + 1
    assert message.startswith(f"Pulumi.yaml:{line}: config key {key!r}: "), message
    assert refusal in message, f"{rule}: {message}"
    assert "\n" not in message


def test_an_untyped_timestamp_default_is_handed_over_as_json(tmp_path):
    """config.go ``createConfigValue`` (v3.259.0): a time.Time is not a primitive, so it is ``json.Marshal``-ed
    (RFC 3339, quotes included), unlike the same value in a stack file (``Time.String()``)."""
    project = ProjectCopy(tmp_path)
    project.replace("Pulumi.yaml", "config:\n", "config:\n  failsafe:extraDate:\n    default: 2024-01-02\n")
    project.add_config("Pulumi.prod.yaml", "aws:extraDate: 2024-01-02")
    values = stackfiles.raw_config("prod", root=tmp_path)
    assert values["failsafe:extraDate"] == '"2024-01-02T00:00:00Z"'
    assert values["aws:extraDate"] == "2024-01-02 00:00:00 +0000 UTC"


def test_pulumi_yaml_keys_with_and_without_the_project_namespace_are_declarations(tmp_path):
    """config.go parseConfigKey / project.go configKeyIsNamespacedByProject: bare keys belong to the project."""
    project = ProjectCopy(tmp_path)
    project.replace("Pulumi.yaml", "  rpoMinutes:\n", "  failsafe:rpoMinutes:\n")
    declared = stackfiles.declarations(root=tmp_path)
    assert declared["rpoMinutes"].type == "integer"
    assert stackfiles.raw_config("dr", root=tmp_path)["failsafe:rpoMinutes"] == "60"


def test_pulumi_yaml_shorthand_values_are_defaults_of_the_project(tmp_path):
    """project.go RewriteShorthandConfigValues: ``key: value`` is an untyped key with that default, a value for a key
    of another namespace."""
    project = ProjectCopy(tmp_path)
    project.replace(
        "Pulumi.yaml", "config:\n", "config:\n  failsafe:extraNote: hello\n  aws:skipMetadataApiCheck: 'false'\n"
    )
    assert stackfiles.declarations(root=tmp_path)["extraNote"].default == "hello"
    raw = stackfiles.raw_config("dr", root=tmp_path)
    assert raw["failsafe:extraNote"] == "hello" and raw["aws:skipMetadataApiCheck"] == "false"


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("  aws:region:\n    type: string\n    default: eu-west-1\n", "should not define a type"),
        ("  aws:region:\n    default: eu-west-1\n", "takes only 'value:'"),
        ("  aws:region:\n    description: x\n", "must provide an attribute 'value'"),
        ("  extra:\n    type: array\n    default: []\n", "'items' attribute"),
        ("  extra:\n    type: int\n", "type int: expected one of string, integer"),
        ("  extra:\n    type:\n", "type (empty): expected one of string, integer"),
        ("  extra:\n    type: array\n    items:\n", "items: expected {type: <one of string"),
        ("  extra:\n    default: a\n    value: b\n", "both a 'default' and 'value'"),
        ("  extra:\n    type: string\n    defualt: a\n", "attribute 'defualt' not allowed; did you mean 'default'?"),
        ("  extra:\n    description: 5\n", "description must be a string"),
        ("  extra: 1.5\n", "expected a mapping (type, default, description) or a plain value"),
        ("  extra: 60.0\n", "a whole float is not a shorthand value"),
        ("  extra:\n", "expected a mapping"),
        ("  extra: 2024-01-02\n", "expected a mapping"),
        ("  extra: 1\n  failsafe:extra: 2\n", "are both failsafe:extra"),
    ],
    ids=[
        "other-namespace-type",
        "other-namespace-default",
        "other-namespace-no-value",
        "array-without-items",
        "unknown-type",
        "null-type",
        "null-items",
        "default-and-value",
        "unknown-attribute",
        "description-not-a-string",
        "shorthand-float",
        "shorthand-whole-float",
        "shorthand-null",
        "shorthand-timestamp",
        "bare-and-namespaced",
    ],
)
def test_pulumi_yaml_declarations_the_cli_refuses_are_refused(tmp_path, entry, problem):
    """project.go Project.Validate and the project.json schema (configTypeDeclaration: additionalProperties false;
    shorthand values oneOf string, integer, boolean, array); a whole float passes the schema but is not rewritten
    (RewriteShorthandConfigValues: isPrimitiveValue), so it cannot be read into ProjectConfigType."""
    project = ProjectCopy(tmp_path)
    project.replace("Pulumi.yaml", "config:\n", "config:\n" + entry)
    with pytest.raises(stackfiles.StackFileError) as caught:
        stackfiles.declarations(root=tmp_path)
    message = str(caught.value)
    assert problem in message and message.startswith("Pulumi.yaml:"), message


def test_a_key_without_default_that_a_stack_does_not_set_is_refused(tmp_path):
    """config.go mergeConfig: 'Stack is missing configuration value'."""
    project = ProjectCopy(tmp_path)
    project.replace("Pulumi.dr.yaml", "  failsafe:role: dr\n", "")
    with pytest.raises(ConfigError, match=r"does not set it and Pulumi\.yaml gives no default") as caught:
        stackfiles.raw_config("dr", root=tmp_path)
    assert "failsafe:role" in str(caught.value)


def test_a_secret_declaration_needs_an_encrypted_value(tmp_path):
    """config.go validateStackConfigValue: "must be encrypted as it's secret" (a default is never encrypted)."""
    project = ProjectCopy(tmp_path)
    project.replace(
        "Pulumi.yaml", "config:\n", "config:\n  extra:\n    type: string\n    secret: true\n    default: x\n"
    )
    with pytest.raises(ConfigError, match="declares it secret"):
        stackfiles.raw_config("dr", root=tmp_path)


def test_every_real_stack_passes_the_cli_rules():
    """The checked-in files load as the CLI loads them: prNumber has a default, or prod and dr would be refused."""
    for stack in ("prod", "dr", "pr-42"):
        assert stackfiles.raw_config(stack)["failsafe:role"]
    assert stackfiles.declarations()["prNumber"].has_default


# --- messages name what was written ---------------------------------------------------------------------------


def test_a_refusal_after_the_cli_changed_a_value_says_what_was_written(tmp_path):
    """object.go (v3.259.0): ``dnsTtl: 0100`` reaches the program as "64"; failsafe's range check refuses 64, and the
    message names the file, the line and what was written."""
    project = ProjectCopy(tmp_path)
    project.replace("Pulumi.prod.yaml", "  failsafe:dnsTtl: 60\n", "  failsafe:dnsTtl: 0100\n")
    line = project.text("Pulumi.prod.yaml").splitlines().index("  failsafe:dnsTtl: 0100") + 1
    raw = stackfiles.raw_config("prod", root=tmp_path)
    assert raw["failsafe:dnsTtl"] == "64"
    with pytest.raises(ConfigError) as caught:
        load_mapping("prod", stackfiles.unnamespaced(raw))
    message = str(stackfiles.annotate(caught.value, "prod", root=tmp_path))
    assert message.startswith(f"Pulumi.prod.yaml:{line}: invalid config failsafe:dnsTtl = 64:"), message
    assert 'written 0100; the Pulumi CLI hands the program "64"' in message and "\n" not in message


def test_the_plan_command_names_what_was_written(tmp_path):
    """The same through ``python -m failsafe plan`` (FAILSAFE_PROJECT_DIR points it at the copy)."""
    project = ProjectCopy(tmp_path)
    project.replace("Pulumi.prod.yaml", "  failsafe:dnsTtl: 60\n", "  failsafe:dnsTtl: 0100\n")
    done = subprocess.run(
        [sys.executable, "-m", "failsafe", "plan", "prod"],
        capture_output=True,
        text=True,
        env={**os.environ, "FAILSAFE_PROJECT_DIR": str(tmp_path)},
        timeout=60,
    )
    assert done.returncode == cli.EXIT_USAGE, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Pulumi.prod.yaml:" in lines[0] and "written 0100" in lines[0], done.stderr


# --- preview stacks --------------------------------------------------------------------------------------------


def test_a_generated_preview_stack_reads_back_what_the_template_and_flags_said(tmp_path):
    """preview-config writes the stack file with yaml12.dump: a branch named ``1e3`` or ``0o17`` stays a string
    (PyYAML's YAML 1.1 dumper writes it unquoted, and go-yaml then reads the numbers 1000 and 15)."""
    ProjectCopy(tmp_path)
    for branch in ("1e3", "0o17", "2024-01-02", "true"):
        assert cli.main(["preview-config", "5", "--branch", branch, "--commit", "abc1234", "--dir", str(tmp_path)]) == 0
        written = (tmp_path / "Pulumi.pr-5.yaml").read_text()
        assert f'failsafe:previewBranch: "{branch}"' in written, written
        assert stackfiles.raw_config("pr-5", root=tmp_path)["failsafe:previewBranch"] == branch


def test_a_preview_template_may_write_keys_without_the_namespace(tmp_path):
    """loaders.go stackConfigNamespacedWithProject: ``prNumber`` in the template is failsafe:prNumber."""
    project = ProjectCopy(tmp_path)
    project.replace("Pulumi.pr.template.yaml", "  failsafe:prNumber:", "  prNumber:")
    raw = stackfiles.raw_config("pr-9", root=tmp_path)
    assert raw["failsafe:prNumber"] == "9"
    where, value = stackfiles.explain("pr-9", "prNumber", root=tmp_path) or ("", None)
    assert where.startswith("Pulumi.pr.template.yaml:") and value is not None
    assert (value.written, value.changed) == ("9", False), "a filled-in value is not what the template wrote"


# --- malformed files: one line naming the file and line -----------------------------------------------------

MALFORMED = [
    ("Pulumi.prod.yaml", "  failsafe:dnsTtl: [60\n", "Pulumi.prod.yaml:"),
    ("Pulumi.prod.yaml", '  failsafe:dnsTtl: "60\n', "Pulumi.prod.yaml:"),
    ("Pulumi.prod.yaml", "  failsafe:dnsTtl: 60\n  failsafe:dnsTtl: 30\n", "already defined at line"),
    ("Pulumi.prod.yaml", "\tfailsafe:dnsTtl: 60\n", "Pulumi.prod.yaml:"),
    ("Pulumi.prod.yaml", "  aws:extra: *nowhere\n", "unknown anchor 'nowhere' referenced"),
    ("Pulumi.prod.yaml", "  aws:extra: &x [*x]\n", "anchor 'x' value contains itself"),
    ("Pulumi.dr.yaml", "  failsafe:ciAccess: true\n bad: indent\n", "Pulumi.dr.yaml:"),
    ("Pulumi.yaml", "  oops: [\n", "Pulumi.yaml:"),
]


@pytest.mark.parametrize(("name", "addition", "expected"), MALFORMED, ids=[f"{c[0]}:{c[1]!r}" for c in MALFORMED])
def test_malformed_yaml_is_one_line_naming_file_and_line(tmp_path, name, addition, expected):
    project = ProjectCopy(tmp_path)
    project.write(name, project.text(name) + addition)
    with pytest.raises(stackfiles.StackFileError) as caught:
        stackfiles.raw_config("prod", root=tmp_path)
    message = str(caught.value)
    assert expected in message and "\n" not in message, message
    assert message.split(":")[1].strip().isdigit(), f"no line number: {message}"


def test_a_stack_file_that_is_not_a_mapping_is_refused(tmp_path):
    project = ProjectCopy(tmp_path)
    project.write("Pulumi.dr.yaml", "- just\n- a list\n")
    with pytest.raises(stackfiles.StackFileError, match=r"Pulumi\.dr\.yaml: expected a mapping"):
        stackfiles.raw_config("dr", root=tmp_path)


def test_a_byte_order_mark_is_ignored(tmp_path):
    """loaders.go readFileStripUTF8BOM."""
    project = ProjectCopy(tmp_path)
    (tmp_path / "Pulumi.dr.yaml").write_bytes(b"\xef\xbb\xbf" + project.text("Pulumi.dr.yaml").encode())
    assert stackfiles.raw_config("dr", root=tmp_path)["failsafe:role"] == "dr"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_a_stack_file_in_utf16_reads(tmp_path, codec):
    """go-yaml v3.0.1 readerc.go ``yaml_parser_determine_encoding``: Windows PowerShell 5's ``>`` writes UTF-16 with a
    byte-order mark, and the CLI reads it."""
    project = ProjectCopy(tmp_path)
    (tmp_path / "Pulumi.dr.yaml").write_bytes(("\ufeff" + project.text("Pulumi.dr.yaml")).encode(codec))
    assert stackfiles.raw_config("dr", root=tmp_path)["failsafe:role"] == "dr"


def test_text_after_the_first_document_is_ignored(tmp_path):
    """go-yaml v3.0.1 yaml.go ``unmarshal``: one document is parsed; a second one, even a broken one, is not."""
    project = ProjectCopy(tmp_path)
    project.write("Pulumi.dr.yaml", project.text("Pulumi.dr.yaml") + "---\nconfig: [not: {closed\n")
    assert stackfiles.raw_config("dr", root=tmp_path)["failsafe:role"] == "dr"


# --- pulumi's own tests (v3.259.0) ----------------------------------------------------------------------------


def test_null_values_are_empty_strings_and_a_null_item_stays_null(tmp_path):
    """pulumi v3.259.0 sdk/go/common/workspace/loaders_test.go, TestEmptyValueWarning (``project:a:``, ``null``,
    ``~`` and ``""`` are all ``NewValue("")``) and TestUnmarshallNil (a list holding a null loads: ``[null]``);
    TestUnmarshalTime (a timestamp value loads)."""
    project = ProjectCopy(tmp_path)
    for line in ("aws:a:", "aws:b: null", "aws:c: ~", 'aws:d: ""', "aws:id:\n    -", "aws:time: 2020-01-01T00:00:00Z"):
        project.add_config("Pulumi.prod.yaml", line)
    values = stackfiles.raw_config("prod", root=tmp_path)
    assert [values[f"aws:{k}"] for k in "abcd"] == ["", "", "", ""]
    assert values["aws:id"] == "[null]"
    assert values["aws:time"] == "2020-01-01 00:00:00 +0000 UTC"


@pytest.mark.parametrize(
    ("default", "text"),
    [("[hello]", None), ("[[hello]]", '[["hello"]]')],
    ids=["array<string>-refused", "array<array<string>>-accepted"],
)
def test_nested_array_defaults_are_checked_item_by_item(tmp_path, default, text):
    """pulumi v3.259.0 sdk/go/common/workspace/project_test.go, TestProjectValidationFailsForIncorrectDefaultValueType
    and TestProjectValidationSucceedsForCorrectDefaultValueType: ``array<array<string>>``."""
    project = ProjectCopy(tmp_path)
    declaration = (
        "  values:\n    type: array\n    items:\n      type: array\n      items:\n        type: string\n"
        f"    default: {default}\n"
    )
    project.replace("Pulumi.yaml", "config:\n", "config:\n" + declaration)
    if text is None:
        with pytest.raises(stackfiles.StackFileError, match=r"is not of the declared type 'array<array<string>>'"):
            stackfiles.declarations(root=tmp_path)
        return
    assert stackfiles.raw_config("dr", root=tmp_path)["failsafe:values"] == text


def test_an_integer_default_that_is_text_is_refused(tmp_path):
    """pulumi v3.259.0 project_test.go, TestProjectValidationFailsForIncorrectDefaultValueType: an integer key whose
    default is "hello"."""
    project = ProjectCopy(tmp_path)
    project.set_default("dnsTtl", "hello")
    with pytest.raises(stackfiles.StackFileError, match=r"default hello is not of the declared type 'integer'"):
        stackfiles.declarations(root=tmp_path)
