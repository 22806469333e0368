"""Config read exactly as the Pulumi CLI reads it: each rule, with the CLI source it follows.

Sources (the Pulumi CLI parses with gopkg.in/yaml.v3):
- go-yaml v3 ``resolve.go`` (``resolve``): how a plain scalar resolves (YAML 1.2 core, plus 0777 octals).
- go-yaml v3 ``decode.go`` (``scalar``: any scalar decoded into a Go string keeps its source text, ``n.Value``;
  ``mapping``: a key given twice is an error).
- pulumi ``sdk/go/common/resource/config/value.go`` (``unmarshalValue``): a stack value is first read as a string,
  else as an object (stored as JSON), ``{secure: ...}`` as a secret.
- pulumi ``sdk/go/common/resource/config/key.go`` (``ParseKey``): stack keys are ``<namespace>:<name>`` (or
  ``<namespace>:config:<name>``).
- pulumi ``sdk/go/common/workspace/project.go`` (``RewriteShorthandConfigValues``, ``Project.Validate``,
  ``ValidateConfigValue``, ``configKeyIsNamespacedByProject``): Pulumi.yaml keys without a namespace belong to the
  project; typed defaults are checked at load; the type rules.
- pulumi ``sdk/go/common/workspace/config.go`` (``mergeConfig``, ``createConfigValue``, ``validateStackConfigValue``,
  ``parseConfigKey``): defaults stored with Go's ``%v`` (objects as JSON), missing keys without a default refused,
  stack values type-checked.
- pulumi ``sdk/go/common/workspace/loaders.go`` (``readFileStripUTF8BOM``).
"""

from __future__ import annotations

import datetime
import math

import pytest

from failsafe.settings import stackfiles, yaml12
from failsafe.settings.config import ConfigError
from tests.support.projects import ProjectCopy

RESOLVE = "go-yaml v3 resolve.go, resolve()"

# (plain scalar, tag, value) — the YAML 1.2 resolution the CLI applies, where PyYAML's YAML 1.1 differs
PLAIN_SCALARS = [
    ("yes", yaml12.STR_TAG, "yes"),
    ("no", yaml12.STR_TAG, "no"),
    ("on", yaml12.STR_TAG, "on"),
    ("off", yaml12.STR_TAG, "off"),
    ("y", yaml12.STR_TAG, "y"),
    ("true", yaml12.BOOL_TAG, True),
    ("True", yaml12.BOOL_TAG, True),
    ("FALSE", yaml12.BOOL_TAG, False),
    ("tRUE", yaml12.STR_TAG, "tRUE"),
    ("~", yaml12.NULL_TAG, None),
    ("", yaml12.NULL_TAG, None),
    ("Null", yaml12.NULL_TAG, None),
    ("30", yaml12.INT_TAG, 30),
    ("010", yaml12.INT_TAG, 8),  # Go's ParseInt(s, 0, 64): a leading 0 is octal
    ("08", yaml12.FLOAT_TAG, 8.0),  # no octal, so the float pattern
    ("0o17", yaml12.INT_TAG, 15),
    ("0x1F", yaml12.INT_TAG, 31),
    ("0b101", yaml12.INT_TAG, 5),
    ("1_000", yaml12.INT_TAG, 1000),
    ("-12", yaml12.INT_TAG, -12),
    ("1e3", yaml12.FLOAT_TAG, 1000.0),
    (".5", yaml12.FLOAT_TAG, 0.5),
    ("12:30", yaml12.STR_TAG, "12:30"),  # no base-60 numbers
    ("2024-01-02", yaml12.TIMESTAMP_TAG, datetime.date(2024, 1, 2)),
    ("111111111111", yaml12.INT_TAG, 111111111111),
    ("eu-west-1", yaml12.STR_TAG, "eu-west-1"),
]


@pytest.mark.parametrize(("text", "tag", "value"), PLAIN_SCALARS, ids=[repr(c[0]) for c in PLAIN_SCALARS])
def test_plain_scalars_resolve_as_go_yaml_v3_resolves_them(text, tag, value):
    resolved_tag, resolved = yaml12.resolve_plain(text)
    assert resolved_tag == tag, f"{RESOLVE}: {text!r} is {tag}, not {resolved_tag}"
    assert resolved == value, f"{RESOLVE}: {text!r} is {value!r}, not {resolved!r}"


def test_special_floats_resolve_from_the_resolve_map():
    assert math.isnan(yaml12.resolve_plain(".nan")[1])
    assert yaml12.resolve_plain("-.Inf") == (yaml12.FLOAT_TAG, -math.inf)


def test_quoted_scalars_are_always_strings():
    data = yaml12.parse("config:\n  a: '010'\n  b: \"true\"\n", "x.yaml").data
    assert data == {"config": {"a": "010", "b": "true"}}


def test_sequences_resolve_their_items_with_yaml_12_rules():
    assert yaml12.parse("config:\n  a: [yes, 010, True]\n", "x.yaml").data == {"config": {"a": ["yes", 8, True]}}


# --- stack files: what the CLI stores and checks ------------------------------------------------------------

# (rule, stack-file line, raw text the program receives, or None when the CLI refuses; text of the refusal)
STACK_RULES = [
    ("decode.go scalar(): a scalar keeps its source text", "failsafe:rtoMinutes: 060", "060", ""),
    (
        "value.go: an integer for a string key is stored as text, accepted",
        "failsafe:copySecretPrefix: 2024",
        "2024",
        "",
    ),
    ("decode.go: null is the empty string", "failsafe:previewBranch:", "", ""),
    (
        "project.go ValidateConfigValue: booleans only true/false",
        "failsafe:previewPublicUrl: yes",
        None,
        "type boolean",
    ),
    (
        "project.go ValidateConfigValue: booleans are case-sensitive text",
        "failsafe:previewPublicUrl: True",
        None,
        "boolean",
    ),
    ("project.go ValidateConfigValue: integers by strconv.Atoi", "failsafe:rtoMinutes: 6e1", None, "type integer"),
    ("project.go ValidateConfigValue: integers by strconv.Atoi", "failsafe:rtoMinutes: 0x3C", None, "type integer"),
    ("project.go ValidateConfigValue: an array is a YAML list", "failsafe:policyExemptions: '[]'", None, "YAML list"),
    ("project.go ValidateConfigValue: items typed", "failsafe:policyExemptions: [1]", None, "array<string>"),
    ("value.go: a list is an object passed as JSON", "failsafe:policyExemptions: []", "[]", ""),
    ("key.go ParseKey: <namespace>:config:<name> is accepted", "failsafe:config:rtoMinutes: 30", "30", ""),
    ("key.go ParseKey: a key needs a namespace", "rtoMinutes: 30", None, "could not parse 'rtoMinutes'"),
    ("config.go validateStackConfigValues: a declared key only", "failsafe:rtominutes: 30", None, "declared in Pulumi"),
]


@pytest.mark.parametrize(("rule", "line", "raw", "refusal"), STACK_RULES, ids=[c[1] for c in STACK_RULES])
def test_stack_file_values_are_read_and_checked_as_the_cli_does(tmp_path, rule, line, raw, refusal):
    project = ProjectCopy(tmp_path)
    number = project.add_config("Pulumi.prod.yaml", line)
    key = line.split(":")[0] if line.count(":") < 2 else "failsafe:" + line.split(":")[-2].strip()
    if raw is not None:
        values = stackfiles.raw_config("prod", root=tmp_path)
        assert values[key] == raw, f"{rule}: {line!r} should reach the program as {raw!r}, not {values[key]!r}"
        return
    with pytest.raises((ConfigError, stackfiles.StackFileError)) as caught:
        stackfiles.raw_config("prod", root=tmp_path)
    message = str(caught.value)
    assert refusal in message, f"{rule}: {message}"
    assert f"Pulumi.prod.yaml:{number}" in message, f"the error does not name file and line: {message}"
    assert "\n" not in message


# --- Pulumi.yaml: declarations and defaults ------------------------------------------------------------------

# (rule, key, default as written, the text the program receives or None when the CLI refuses the project)
DEFAULT_RULES = [
    ("project.go Validate: a string default must be a string", "prodAccountId", "111111111111", None),
    ("project.go Validate: booleans only true/false", "ciAccess", "yes", None),
    ("config.go createConfigValue: a resolved int with %v", "dnsTtl", "010", "8"),
    ("config.go createConfigValue: a bool with %v", "ciAccess", "True", "true"),
    ("config.go createConfigValue: a whole float as JSON", "dnsTtl", "60.0", "60"),
    ("project.go Validate: a list where a string is declared", "namePrefix", "[a]", None),
    ("project.go Validate: array items typed", "protectedBuckets", "[1, 2]", None),
    ("config.go createConfigValue: a list as JSON", "protectedBuckets", "[assets, 'yes']", '["assets","yes"]'),
]


@pytest.mark.parametrize(
    ("rule", "key", "default", "raw"), DEFAULT_RULES, ids=[f"{c[1]}={c[2]}" for c in DEFAULT_RULES]
)
def test_pulumi_yaml_defaults_are_type_checked_and_stored_as_the_cli_does(tmp_path, rule, key, default, raw):
    project = ProjectCopy(tmp_path)
    project.set_default(key, default)
    if raw is None:
        with pytest.raises(stackfiles.StackFileError) as caught:
            stackfiles.declarations(root=tmp_path)
        message = str(caught.value)
        assert message.startswith("Pulumi.yaml:") and key in message and "declared type" in message, (
            f"{rule}: {message}"
        )
        assert "\n" not in message
        return
    values = stackfiles.raw_config("dr", root=tmp_path)
    assert values[f"failsafe:{key}"] == raw, f"{rule}: default {default} should reach the program as {raw!r}"


def test_pulumi_yaml_keys_with_and_without_the_project_namespace_are_declarations(tmp_path):
    """config.go parseConfigKey / project.go configKeyIsNamespacedByProject: bare keys belong to the project."""
    project = ProjectCopy(tmp_path)
    project.replace("Pulumi.yaml", "  rpoMinutes:\n", "  failsafe:rpoMinutes:\n")
    declared = stackfiles.declarations(root=tmp_path)
    assert declared["rpoMinutes"].type == "integer"
    assert stackfiles.raw_config("dr", root=tmp_path)["failsafe:rpoMinutes"] == "60"


def test_pulumi_yaml_shorthand_values_are_defaults_of_the_project(tmp_path):
    """project.go RewriteShorthandConfigValues: ``key: value`` is an untyped key with that default."""
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
        ("  aws:region:\n    type: string\n    default: eu-west-1\n", "only 'value:'"),
        ("  extra:\n    type: array\n    default: []\n", "'items' attribute"),
        ("  extra:\n    type: int\n", "expected one of string, integer"),
        ("  extra:\n    default: a\n    value: b\n", "both a 'default' and 'value'"),
    ],
    ids=["other-namespace-default", "array-without-items", "unknown-type", "default-and-value"],
)
def test_pulumi_yaml_declarations_the_cli_refuses_are_refused(tmp_path, entry, problem):
    """project.go Project.Validate and the project.json schema."""
    project = ProjectCopy(tmp_path)
    project.replace("Pulumi.yaml", "config:\n", "config:\n" + entry)
    with pytest.raises(stackfiles.StackFileError, match=problem) as caught:
        stackfiles.declarations(root=tmp_path)
    assert str(caught.value).startswith("Pulumi.yaml:")


def test_a_key_without_default_that_a_stack_does_not_set_is_refused(tmp_path):
    """config.go mergeConfig: 'Stack is missing configuration value'."""
    project = ProjectCopy(tmp_path)
    project.replace("Pulumi.dr.yaml", "  failsafe:role: dr\n", "")
    with pytest.raises(ConfigError, match=r"does not set it and Pulumi\.yaml gives no default") as caught:
        stackfiles.raw_config("dr", root=tmp_path)
    assert "failsafe:role" in str(caught.value)


def test_every_real_stack_passes_the_cli_rules():
    """The checked-in files load as the CLI loads them: prNumber has a default, or prod and dr would be refused."""
    for stack in ("prod", "dr", "pr-42"):
        assert stackfiles.raw_config(stack)["failsafe:role"]
    assert stackfiles.declarations()["prNumber"].has_default


# --- malformed files: one line naming the file and line -----------------------------------------------------

MALFORMED = [
    ("Pulumi.prod.yaml", "  failsafe:dnsTtl: [60\n", "Pulumi.prod.yaml:"),
    ("Pulumi.prod.yaml", '  failsafe:dnsTtl: "60\n', "Pulumi.prod.yaml:"),
    ("Pulumi.prod.yaml", "  failsafe:dnsTtl: 60\n  failsafe:dnsTtl: 30\n", "already defined at line"),
    ("Pulumi.prod.yaml", "\tfailsafe:dnsTtl: 60\n", "Pulumi.prod.yaml:"),
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
    assert message.split(":")[1].strip().isdigit() or "already defined" in message, f"no line number: {message}"


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
