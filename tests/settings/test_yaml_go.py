"""failsafe.settings.yaml12 against go-yaml v3's own tests (gopkg.in/yaml.v3 v3.0.1, the version pulumi/pulumi's
sdk/go.mod requires; tag v3.0.1, commit f6f7691b1fdeb513f56608cd2c32c51f8194bf51).

Each table row is a case of decode_test.go, limit_test.go or encode_test.go at v3.0.1, named after the table or test
it comes from; go-yaml's expected Go value is written as the Python value yaml12 returns for it (``map[string]...``
-> dict, ``map[interface{}]interface{}`` -> GoMap, ``time.Time`` -> GoTime, a Go string of bytes that are not UTF-8 ->
surrogate escapes). Rows decoding into a Go struct or typed map are ported where ``interface{}`` gives the same value
(the Pulumi CLI decodes into ``interface{}``); the others (struct inlining, TextUnmarshaler, durations) are left out.
The scanner errors come from libyaml, of which go-yaml is a port: where libyaml words a problem differently, the row
checks the part both share.
"""

from __future__ import annotations

import math
import re
import tracemalloc

import pytest

from failsafe.settings import yaml12, yamldecode
from failsafe.settings.yaml12 import GoKey, GoMap, GoTime

DECODE = "go-yaml v3.0.1 decode_test.go"
LIMIT = "go-yaml v3.0.1 limit_test.go"
ENCODE = "go-yaml v3.0.1 encode_test.go"


@pytest.fixture(params=["libyaml", "pure"])
def parser(request, monkeypatch):
    """Every table runs on libyaml's parser and on PyYAML's pure-Python port of it (the fallback)."""
    if request.param == "pure":
        monkeypatch.setattr(yamldecode, "_Parser", yamldecode.PureParser)
    return request.param


def decode(text: str):
    return yaml12.parse(text, "t.yaml").data


def utc(*fields: int) -> GoTime:
    return GoTime(*fields)


GENERIC_BREAKS = (
    "%YAML 1.1\n--- !!str\n"
    '"Generic line break (no glyph)\\n\\\n'
    " Generic line break (glyphed)\\n\\\n"
    " Line separator\u2028\\\n"
    ' Paragraph separator\u2029"\n'
)

# decode_test.go, unmarshalTests (the rows whose value is the same decoded into interface{})
UNMARSHAL = [
    ("", None),
    ("{}", {}),
    ("v: hi", {"v": "hi"}),
    ("v: true", {"v": True}),
    ("v: 10", {"v": 10}),
    ("v: 0b10", {"v": 2}),
    ("v: 0xA", {"v": 10}),
    ("v: 4294967296", {"v": 4294967296}),
    ("v: 0.1", {"v": 0.1}),
    ("v: .1", {"v": 0.1}),
    ("v: .Inf", {"v": math.inf}),
    ("v: -.Inf", {"v": -math.inf}),
    ("v: -10", {"v": -10}),
    ("v: -.1", {"v": -0.1}),
    ("123", 123),
    ("canonical: 6.8523e+5", {"canonical": 6.8523e5}),
    ("expo: 685.230_15e+03", {"expo": 685.23015e03}),
    ("fixed: 685_230.15", {"fixed": 685230.15}),
    ("neginf: -.inf", {"neginf": -math.inf}),
    ("canonical: true", {"canonical": True}),
    ("canonical: false", {"canonical": False}),
    ("bool: True", {"bool": True}),
    ("bool: False", {"bool": False}),
    ("bool: TRUE", {"bool": True}),
    ("bool: FALSE", {"bool": False}),
    ("option: on", {"option": "on"}),  # "on" is a bool only for a typed Go bool; into interface{} a string
    ("canonical: 685230", {"canonical": 685230}),
    ("decimal: +685_230", {"decimal": 685230}),
    ("octal: 02472256", {"octal": 685230}),
    ("octal: -02472256", {"octal": -685230}),
    ("octal: 0o2472256", {"octal": 685230}),
    ("octal: -0o2472256", {"octal": -685230}),
    ("hexa: 0x_0A_74_AE", {"hexa": 685230}),
    ("bin: 0b1010_0111_0100_1010_1110", {"bin": 685230}),
    ("bin: -0b101010", {"bin": -42}),
    ("bin: -0b" + "1" + "0" * 63, {"bin": -(2**63)}),
    ("empty:", {"empty": None}),
    ("canonical: ~", {"canonical": None}),
    ("english: null", {"english": None}),
    ("~: null key", GoMap({None: "null key"})),
    ("seq: [A,B]", {"seq": ["A", "B"]}),
    ("seq: [A,B,C,]", {"seq": ["A", "B", "C"]}),
    ("seq: [A,1,C]", {"seq": ["A", 1, "C"]}),
    ("seq:\n - A\n - B", {"seq": ["A", "B"]}),
    ("seq:\n - A\n - 1\n - C", {"seq": ["A", 1, "C"]}),
    ("scalar: | # Comment\n\n literal\n\n \ttext\n\n", {"scalar": "\nliteral\n\n\ttext\n"}),
    (
        "scalar: > # Comment\n\n folded\n line\n \n next\n line\n  * one\n  * two\n\n last\n line\n\n",
        {"scalar": "\nfolded line\nnext line\n * one\n * two\n\nlast line\n"},
    ),
    ("a: {b: c}", {"a": {"b": "c"}}),
    ("a: {b: c, 1: d}", {"a": GoMap({"b": "c", 1: "d"})}),
    ("int64_max: 9223372036854775807", {"int64_max": 2**63 - 1}),
    ("int64_min: -9223372036854775808", {"int64_min": -(2**63)}),
    ("uint64_max: 18446744073709551615", {"uint64_max": 2**64 - 1}),  # ParseUint after ParseInt
    ("uint64_max_base2: 0b" + "1" * 64, {"uint64_max_base2": 2**64 - 1}),
    ("float64_maxuint64+1: 18446744073709551616", {"float64_maxuint64+1": 18446744073709551616.0}),
    ("'1': '\"2\"'", {"1": '"2"'}),
    ("v:\n- A\n- 'B\n\n  C'\n", {"v": ["A", "B\nC"]}),
    ("v: !!float '1.1'", {"v": 1.1}),
    ("v: !!float 0", {"v": 0.0}),
    ("v: !!float -1", {"v": -1.0}),
    ("v: !!null ''", {"v": None}),
    ("%TAG !y! tag:yaml.org,2002:\n---\nv: !y!int '1'", {"v": 1}),
    ("v: ! test", {"v": "test"}),  # Issue #75: the non-specific tag
    ("a: &x 1\nb: &y 2\nc: *x\nd: *y\n", {"a": 1, "b": 2, "c": 1, "d": 2}),
    ("a: &a {c: 1}\nb: *a", {"a": {"c": 1}, "b": {"c": 1}}),
    ("a: &a [1, 2]\nb: *a", {"a": [1, 2], "b": [1, 2]}),
    ("foo: ''", {"foo": ""}),
    ("foo: null", {"foo": None}),
    ("foo: ~", {"foo": None}),
    (
        GENERIC_BREAKS,
        "Generic line break (no glyph)\nGeneric line break (glyphed)\nLine separator\u2028Paragraph separator\u2029",
    ),
    ("a: -b_c", {"a": "-b_c"}),
    ("a: +b_c", {"a": "+b_c"}),
    ("a: 50cent_of_dollar", {"a": "50cent_of_dollar"}),
    ("a: {b: https://github.com/go-yaml/yaml}", {"a": {"b": "https://github.com/go-yaml/yaml"}}),
    ("a: [https://github.com/go-yaml/yaml]", {"a": ["https://github.com/go-yaml/yaml"]}),
    ("a: 3s", {"a": "3s"}),
    ("a: <foo>", {"a": "<foo>"}),
    ("a: 1:1\n", {"a": "1:1"}),  # base 60 floats are obsolete and unsupported
    ("a: !!binary gIGC\n", {"a": "\udc80\udc81\udc82"}),
    ("a: !!binary |\n  " + "kJCQ" * 17 + "kJ\n  CQ\n", {"a": "\udc90" * 54}),
    ("a: !!binary |\n  " + "A" * 70 + "\n  ==\n", {"a": "\x00" * 52}),
    ("a:\n b:\n  c: d\n", {"a": {"b": {"c": "d"}}}),
    ("a: 1.2.3.4\n", {"a": "1.2.3.4"}),
    ("a: 2015-02-24T18:19:39Z\n", {"a": utc(2015, 2, 24, 18, 19, 39)}),
    ("a: 2015-01-01\n", {"a": utc(2015, 1, 1)}),
    ("a: 2015-02-24T18:19:39.12Z\n", {"a": utc(2015, 2, 24, 18, 19, 39, 120_000_000)}),
    ("a: 2015-2-3T3:4:5Z", {"a": utc(2015, 2, 3, 3, 4, 5)}),
    ("a: 2015-02-24t18:19:39Z\n", {"a": utc(2015, 2, 24, 18, 19, 39)}),
    ("a: 2015-02-24 18:19:39\n", {"a": utc(2015, 2, 24, 18, 19, 39)}),
    ("a: 2001-12-14 21:59:43.10 -5", {"a": "2001-12-14 21:59:43.10 -5"}),  # "not currently handled": a string
    ("a: !!str 2015-01-01", {"a": "2015-01-01"}),
    ('a: !!timestamp "2015-01-01"', {"a": utc(2015, 1, 1)}),
    ("a: !!timestamp 2015-01-01", {"a": utc(2015, 1, 1)}),
    ('a: "2015-01-01"', {"a": "2015-01-01"}),
    ("a: 2015-01-01", {"a": utc(2015, 1, 1)}),
    ("a: []", {"a": []}),
    ("a: 123456e1\n", {"a": 123456e1}),
    ("a: 123456E1\n", {"a": 123456e1}),
    (  # yaml-test-suite 3GZX: Spec Example 7.1. Alias Nodes (an anchor name defined again)
        "First occurrence: &anchor Foo\nSecond occurrence: *anchor\nOverride anchor: &anchor Bar\n"
        "Reuse anchor: *anchor\n",
        {"First occurrence": "Foo", "Second occurrence": "Foo", "Override anchor": "Bar", "Reuse anchor": "Bar"},
    ),
    ("---\nhello\n...\n}not yaml", "hello"),  # Single document with garbage following it
    ("true\n#" + " " * 512 * 3, True),  # Comment scan exhausting the input buffer (issue #469)
    ("true #" + " " * 512 * 3, True),
    ("a: b\r\nc:\r\n- d\r\n- e\r\n", {"a": "b", "c": ["d", "e"]}),
]


@pytest.mark.parametrize(("text", "expected"), UNMARSHAL, ids=[repr(c[0][:40]) for c in UNMARSHAL])
def test_documents_decode_as_go_yaml_v3_decodes_them(parser, text, expected):
    """go-yaml v3.0.1 decode_test.go, TestUnmarshal over unmarshalTests."""
    got = decode(text)
    assert got == expected, f"{DECODE} unmarshalTests {text!r}: go-yaml gives {expected!r}, yaml12 {got!r}"
    assert type(got) is type(expected), f"{DECODE} {text!r}: {type(expected).__name__}, not {type(got).__name__}"


def test_nan_decodes_as_nan(parser):
    """go-yaml v3.0.1 decode_test.go, TestUnmarshalNaN."""
    assert math.isnan(decode("notanum: .NaN")["notanum"])


def test_a_full_timestamp_keeps_its_nanoseconds_and_zone(parser):
    """go-yaml v3.0.1 decode_test.go, TestUnmarshalFullTimestamp: 2015-02-24T18:19:39.123456789-03:00 is that wall
    clock in a -03:00 zone, 21:19:39.123456789 UTC."""
    stamp = decode("2015-02-24T18:19:39.123456789-03:00")
    assert (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second) == (2015, 2, 24, 18, 19, 39)
    assert stamp.nanosecond == 123456789 and stamp.offset == -3 * 3600
    assert stamp.unix() == GoTime(2015, 2, 24, 21, 19, 39).unix()


def test_only_the_first_document_is_read(parser):
    """go-yaml v3.0.1 decode_test.go, decoderTests: "---\\n'hello'\\n...\\n---\\ngoodbye" holds two documents; yaml.go
    ``unmarshal`` (what the CLI calls) parses one (``parser.parse``) and never scans the rest, so a second document
    that does not even parse is ignored."""
    assert decode("---\n'hello'\n...\n---\ngoodbye\n...\n") == "hello"
    assert decode("a: 1\n---\nb: [unclosed\n  : : :\n") == {"a": 1}
    assert decode("a: 1\n---\n\tb: &x *y\n") == {"a": 1}


# decode_test.go, unmarshalErrorTests: go-yaml's message, and what yaml12's one line must contain
UNMARSHAL_ERRORS = [
    ("v: !!float 'error'", "cannot decode !!str `error` as a !!float", "cannot decode !!str `error` as a !!float"),
    ("v: [A,", "line 1: did not find expected node content", "did not find expected node content"),
    ("v:\n- [A,", "line 2: did not find expected node content", "did not find expected node content"),
    (
        "a:\n- b: *,",
        "line 2: did not find expected alphabetic or numeric character",
        "did not find expected alphabetic or numeric character",
    ),
    ("a: *b\n", "unknown anchor 'b' referenced", "unknown anchor 'b' referenced"),
    ("a: &a\n  b: *a\n", "anchor 'a' value contains itself", "anchor 'a' value contains itself"),
    ("value: -", "block sequence entries are not allowed in this context", "sequence entries are not allowed"),
    ("a: !!binary ==", "!!binary value contains invalid base64 data", "!!binary value contains invalid base64 data"),
    ("{[.]}", 'invalid map key: []interface {}{"."}', "invalid map key"),
    ("{{.}}", 'invalid map key: map[string]interface {}{".":interface {}(nil)}', "invalid map key"),
    ("b: *a\na: &a {c: 1}", "unknown anchor 'a' referenced", "unknown anchor 'a' referenced"),
    ("%TAG !%79! tag:yaml.org,2002:\n---\nv: !%79!int '1'", "did not find expected whitespace", "whitespace"),
    ("a:\n  1:\nb\n  2:", "could not find expected ':'", "could not find expected ':'"),
    ("a: 1\nb: 2\nc 2\nd: 3\n", "line 3: could not find expected ':'", "could not find expected ':'"),
    ("#\n-\n{", "line 3: could not find expected ':'", "could not find expected ':'"),  # Issue #665
    (
        "".join(
            f"{name}: &{name} [{','.join([f'*{previous}'] * 9) if previous else ','.join(['00'] * 9)}]\n"
            for previous, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
        ),
        "document contains excessive aliasing",
        "document contains excessive aliasing",
    ),
]


@pytest.mark.parametrize(("text", "go_error", "expected"), UNMARSHAL_ERRORS, ids=[c[1] for c in UNMARSHAL_ERRORS])
def test_documents_go_yaml_v3_refuses_are_refused_in_one_line(parser, text, go_error, expected):
    """go-yaml v3.0.1 decode_test.go, TestUnmarshalErrors over unmarshalErrorTests. A syntax error is worded by the
    parser: libyaml's words are go-yaml's; PyYAML's pure-Python port words some differently, so only that it refuses
    on a line is checked there."""
    with pytest.raises(yaml12.YamlError) as caught:
        decode(text)
    message = str(caught.value)
    syntax = go_error.startswith("line ") or "expected" in go_error or "block sequence" in go_error
    if parser == "libyaml" or not syntax:
        assert expected in message, f"{DECODE} unmarshalErrorTests {text!r}: go-yaml says {go_error!r}; got {message!r}"
    assert re.match(r"t\.yaml:\d+: ", message) and "\n" not in message, message


def test_invalid_utf8_is_refused_as_go_yaml_refuses_it(tmp_path):
    """go-yaml v3.0.1 decode_test.go, unmarshalErrorTests "0: [:!00 \\xef" (Issue #666): "incomplete UTF-8 octet
    sequence"."""
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"0: [:!00 \xef")
    with pytest.raises(yaml12.YamlError, match=r"bad\.yaml:1: invalid UTF-8 \(byte 0xEF\)"):
        yaml12.read(path)


def test_the_nine_level_alias_bomb_stops_early_in_bounded_memory():
    """go-yaml v3.0.1 decode_test.go, unmarshalErrorTests (the 9**9 alias bomb) and decode.go ``allowedAliasRatio``:
    refused after a few thousand decoding steps; expanding it would build 387,420,489 values."""
    text = UNMARSHAL_ERRORS[-1][0]
    tracemalloc.start()
    try:
        with pytest.raises(yaml12.YamlError, match="excessive aliasing"):
            decode(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000, f"the refusal used {peak} bytes"


MERGE_TESTS = """
anchors:
  list:
    - &CENTER { "x": 1, "y": 2 }
    - &LEFT   { "x": 0, "y": 2 }
    - &BIG    { "r": 10 }
    - &SMALL  { "r": 1 }

# All the following maps are equal:

plain:
  # Explicit keys
  "x": 1
  "y": 2
  "r": 10
  label: center/big

mergeOne:
  # Merge one map
  << : *CENTER
  "r": 10
  label: center/big

mergeMultiple:
  # Merge multiple maps
  << : [ *CENTER, *BIG ]
  label: center/big

override:
  # Override
  << : [ *BIG, *LEFT, *SMALL ]
  "x": 1
  label: center/big

shortTag:
  # Explicit short merge tag
  !!merge "<<" : [ *CENTER, *BIG ]
  label: center/big

longTag:
  # Explicit merge long tag
  !<tag:yaml.org,2002:merge> "<<" : [ *CENTER, *BIG ]
  label: center/big

inlineMap:
  # Inlined map
  << : {"x": 1, "y": 2, "r": 10}
  label: center/big

inlineSequenceMap:
  # Inlined map in sequence
  << : [ *CENTER, {"r": 10} ]
  label: center/big
"""


def test_merge_keys_merge_as_go_yaml_merges_them(parser):
    """go-yaml v3.0.1 decode_test.go, TestMerge over mergeTests: own keys win, then the first merged mapping."""
    document = decode(MERGE_TESTS)
    want = {"x": 1, "y": 2, "r": 10, "label": "center/big"}
    for name, value in document.items():
        if name != "anchors":
            assert value == want, f"{DECODE} TestMerge {name}: {value!r}"


@pytest.mark.parametrize(
    "text",
    [
        '"\\0\\\r\n',
        "  0: [\n] 0",
        '? ? "\n" 0',
        "    - {\n000}0",
        "0:\n  0: [0\n] 0",
        '    - "\n000"0',
        '    - "\n000""',
        "0:\n    - {\n000}0",
        '0:\n    - "\n000"0',
        '0:\n    - "\n000""',
        " \ufeff\n",
        "? \ufeff\n",
        "? \ufeff:\n",
        "0: \ufeff\n",
        "? \ufeff: \ufeff\n",
    ],
)
def test_fuzz_crashers_decode_or_are_refused_without_crashing(parser, text):
    """go-yaml v3.0.1 decode_test.go, TestFuzzCrashers: each input either decodes or is one refusal."""
    try:
        decode(text)
    except yaml12.YamlError as error:
        assert "\n" not in str(error)


def test_utf16_with_a_byte_order_mark_reads(tmp_path):
    """go-yaml v3.0.1 decode_test.go, unmarshalTests "UTF-16-LE", "UTF-16-BE" (with and without a surrogate pair),
    readerc.go ``yaml_parser_determine_encoding``: Windows PowerShell 5 writes such files."""
    cases = {
        "le": b"\xff\xfe\xf1\x00o\x00\xf1\x00o\x00:\x00 \x00v\x00e\x00r\x00y\x00 \x00y\x00e\x00s\x00\n\x00",
        "le-surrogate": b"\xff\xfe\xf1\x00o\x00\xf1\x00o\x00:\x00 \x00v\x00e\x00r\x00y\x00 \x00y\x00e\x00s\x00 \x00"
        b"=\xd8\xd4\xdf\n\x00",
        "be": b"\xfe\xff\x00\xf1\x00o\x00\xf1\x00o\x00:\x00 \x00v\x00e\x00r\x00y\x00 \x00y\x00e\x00s\x00\n",
        "be-surrogate": b"\xfe\xff\x00\xf1\x00o\x00\xf1\x00o\x00:\x00 \x00v\x00e\x00r\x00y\x00 \x00y\x00e\x00s\x00 "
        b"\xd8=\xdf\xd4\x00\n",
    }
    for name, raw in cases.items():
        path = tmp_path / f"{name}.yaml"
        path.write_bytes(raw)
        expected = "very yes 🟔" if "surrogate" in name else "very yes"
        assert yaml12.read(path).data == {"ñoño": expected}, f"{DECODE} UTF-16 {name}"


def test_utf16_that_is_cut_short_or_unpaired_is_refused(tmp_path):
    """readerc.go (v3.0.1): "incomplete UTF-16 character sequence", "unexpected low surrogate area"."""
    odd = tmp_path / "odd.yaml"
    odd.write_bytes("\ufeffa: 1\n".encode("utf-16-le") + b"x")
    with pytest.raises(yaml12.YamlError, match="incomplete UTF-16"):
        yaml12.read(odd)
    lone = tmp_path / "lone.yaml"
    lone.write_bytes(b"\xff\xfea\x00:\x00 \x00\x00\xdc\n\x00")
    with pytest.raises(yaml12.YamlError, match="unpaired surrogate"):
        yaml12.read(lone)


def test_damage_after_the_first_document_is_seen_only_within_the_chunks_the_reader_reads(tmp_path):
    """readerc.go ``yaml_parser_update_buffer`` (v3.0.1) decodes and checks the input 512 bytes at a time
    (yamlprivateh.go ``input_raw_buffer_size``), and the scanner stops after the first document: a control character
    in the same chunk is refused, one chunks further on is never read."""
    near = tmp_path / "near.yaml"
    near.write_bytes(b"a: 1\n---\nb: \x00\n")
    with pytest.raises(yaml12.YamlError, match=r"near\.yaml:3: control characters are not allowed \(U\+0000\)"):
        yaml12.read(near)
    far = tmp_path / "far.yaml"
    far.write_bytes(b"a: 1\n---\n" + b"#" * 2000 + b"\nb: \x00\xff\n")
    assert yaml12.read(far).data == {"a": 1}
    inside = tmp_path / "inside.yaml"
    inside.write_bytes(b"a: 1\n" + b"# " * 600 + b"\nb: \x00\n")
    with pytest.raises(yaml12.YamlError, match=r"inside\.yaml:3: control characters"):
        yaml12.read(inside)


# limit_test.go, limitTests (the 1,000 kB inputs shortened where the rule does not depend on the size; "1000kb of maps
# with 100 aliases" needs a million decoding steps to reach allowedAliasRatio's large-document range, whose formula
# test_the_allowed_alias_ratio_falls_from_99_to_10_percent checks instead)
LIMITS = [
    ("deeply nested slices", "[" * 1000 * 1024, "exceeded max depth of 10000"),
    ("deeply nested maps", "x: " + "{" * 20_000, "exceeded max depth of 10000"),
    ("deeply nested indents", "- " * 20_000, "exceeded max depth of 10000"),
    ("1000-indent lines", ("- " * 1000 + "\n") * 8, None),
    ("1kb of maps", "a: &a [{a}" + ",{a}" * (1 * 1024 // 4 - 1) + "]", None),
    ("10kb of maps", "a: &a [{a}" + ",{a}" * (10 * 1024 // 4 - 1) + "]", None),
    ("slice nested at max-depth", "[" * 10000 + "1" + ",1" * 100 + "]" * 10000, None),
    (
        "slice nested in maps at max-depth",
        "{a,b:\n" + " {a,b:" * (10000 - 2) + " [1" + ",1" * 100 + "]" + "}" * (10000 - 1),
        None,
    ),
    ("10000-nested lines", "- " + "[" * 10000 + "]" * 10000 + "\n", None),
]


@pytest.mark.parametrize(("name", "text", "error"), LIMITS, ids=[c[0] for c in LIMITS])
def test_depth_and_aliasing_limits_are_go_yaml_v3s(name, text, error):
    """go-yaml v3.0.1 limit_test.go, TestLimits: 10,000 levels of flow or block nesting are read (no
    RecursionError), 10,001 are refused (scannerc.go ``max_flow_level``, ``max_indents``), and aliases that make up
    most of the decoding are refused (decode.go ``allowedAliasRatio``)."""
    if error is None:
        decode(text)
        return
    with pytest.raises(yaml12.YamlError) as caught:
        decode(text)
    assert error in str(caught.value), f"{LIMIT} {name}: {caught.value}"


def test_ten_thousand_levels_decode_to_ten_thousand_levels():
    """scannerc.go (v3.0.1) ``max_flow_level`` = 10000: the deepest document go-yaml reads."""
    value = decode("[" * 10000 + "x" + "]" * 10000)
    depth = 0
    while isinstance(value, list):
        value, depth = value[0], depth + 1
    assert (depth, value) == (10000, "x")
    with pytest.raises(yaml12.YamlError, match=r"t\.yaml:1: exceeded max depth of 10000"):
        decode("[" * 10001 + "x" + "]" * 10001)
    with pytest.raises(yaml12.YamlError, match="exceeded max depth of 10000"):
        decode("- " * 10001 + "x")  # each "- " one column further in: one indentation level more
    value = decode("- " * 10000 + "x")
    depth = 0
    while isinstance(value, list):
        value, depth = value[0], depth + 1
    assert (depth, value) == (10000, "x")


ALIAS_RATIO = [(0, 0.99), (400_000, 0.99), (2_200_000, 0.99 - 0.89 * 0.5), (4_000_000, 0.10), (9_000_000, 0.10)]


@pytest.mark.parametrize(("count", "ratio"), ALIAS_RATIO)
def test_the_allowed_alias_ratio_falls_from_99_to_10_percent(count, ratio):
    """decode.go (v3.0.1) ``allowedAliasRatio``: 0.99 up to 400,000 decoding steps, 0.10 from 4,000,000, linear in
    between."""
    assert yaml12.allowed_alias_ratio(count) == pytest.approx(ratio)


def test_aliases_are_counted_as_go_yaml_counts_them():
    """decode.go (v3.0.1) ``unmarshal``: the rule needs more than 100 alias steps and more than 1,000 steps in all,
    and a ratio above 0.99; every node an alias expands to counts, the alias node itself only inside another alias.
    150 aliases to an n-item list are 6 + n + 150 (n + 2) steps, 150 (n + 1) of them alias steps: n = 299 is 45,000
    of 45,455 (0.98999), allowed; n = 300 is 45,150 of 45,606 (0.99000...), refused at the very last step."""

    def document(items: int) -> str:
        return "a: &a [" + ",".join(["1"] * items) + "]\nb: [" + ",".join(["*a"] * 150) + "]\n"

    assert len(decode(document(299))["b"]) == 150
    with pytest.raises(yaml12.YamlError, match=r"t\.yaml:2: document contains excessive aliasing"):
        decode(document(300))


# resolve.go (v3.0.1) resolve(): what a plain scalar is (tags as go-yaml's shortTag writes them)
PLAIN_SCALARS = [
    ("yes", "!!str", "yes"),
    ("on", "!!str", "on"),
    ("y", "!!str", "y"),
    ("True", "!!bool", True),
    ("tRUE", "!!str", "tRUE"),
    ("~", "!!null", None),
    ("", "!!null", None),
    ("010", "!!int", 8),  # ParseInt(s, 0, 64): a leading 0 is octal
    ("08", "!!float", 8.0),  # no octal: yamlStyleFloat
    ("012345678901", "!!float", 12345678901.0),  # 8 and 9 are no octal digits: a float
    ("0o17", "!!int", 15),
    ("0x1F", "!!int", 31),
    ("0X1F", "!!int", 31),
    ("0b101", "!!int", 5),
    ("+0x1F", "!!int", 31),
    ("-0x1F", "!!int", -31),
    ("1_000", "!!int", 1000),
    ("9223372036854775808", "!!int", 2**63),  # ParseUint
    ("+9223372036854775808", "!!float", 9223372036854775808.0),  # ParseUint takes no sign
    ("-9223372036854775809", "!!float", -9223372036854775809.0),
    ("18446744073709551616", "!!float", 18446744073709551616.0),
    ("1e3", "!!float", 1000.0),
    ("6e1", "!!float", 60.0),
    ("1e400", "!!str", "1e400"),  # ParseFloat's ErrRange: not a float
    (".5", "!!float", 0.5),
    (".5_0", "!!float", 0.5),  # ParseFloat allows _ between digits
    ("._5", "!!str", "._5"),
    (".inf", "!!float", math.inf),
    (".iNf", "!!str", ".iNf"),
    ("12:30", "!!str", "12:30"),
    ("<<", "!!str", "<<"),  # resolveTable['<'] is 0: resolve never looks "<<" up; parser.scalar tags it !!merge
    ("2024-01-02", "!!timestamp", GoTime(2024, 1, 2)),
    ("2024-1-2", "!!timestamp", GoTime(2024, 1, 2)),
    ("2024-02-30", "!!str", "2024-02-30"),  # day out of range: no timestamp, no number
    ("2024-01-02T10:00:00", "!!str", "2024-01-02T10:00:00"),  # the T layouts need a zone
    ("2024-01-02 10:00:00Z", "!!str", "2024-01-02 10:00:00Z"),  # the space layout takes none
    ("2024-01-02  10:00:00", "!!timestamp", GoTime(2024, 1, 2, 10)),  # a layout space matches a run of spaces
    ("2024-01-02T10:00:00,5Z", "!!timestamp", GoTime(2024, 1, 2, 10, 0, 0, 500_000_000)),  # a comma fraction
    ("2024-01-02T10:00:00.1234567891Z", "!!timestamp", GoTime(2024, 1, 2, 10, 0, 0, 123456789)),  # truncated
    ("2024-01-02T24:00:00Z", "!!str", "2024-01-02T24:00:00Z"),
    ("2024-01-02T10:00:00+24:00", "!!timestamp", GoTime(2024, 1, 2, 10, offset=86400, zone="")),
    ("2024-01-02T10:00:00+25:00", "!!str", "2024-01-02T10:00:00+25:00"),
    ("0000-02-29", "!!timestamp", GoTime(0, 2, 29)),  # year 0 is a leap year
    ("eu-west-1", "!!str", "eu-west-1"),
]


@pytest.mark.parametrize(("text", "tag", "value"), PLAIN_SCALARS, ids=[repr(c[0]) for c in PLAIN_SCALARS])
def test_plain_scalars_resolve_as_go_yaml_v3_resolves_them(text, tag, value):
    """go-yaml v3.0.1 resolve.go ``resolve`` (with Go's strconv and, for timestamps, time/format.go ``parse``)."""
    resolved_tag, resolved = yaml12.resolve_plain(text)
    assert (resolved_tag, resolved) == (tag, value) or (tag, math.isnan(value)) == ("!!float", True), (
        f"resolve.go: {text!r} is {tag} {value!r}, not {resolved_tag} {resolved!r}"
    )


EXPLICIT_TAGS = [
    ("!!int 30", 30),
    ("!!float 30", 30.0),
    ("!!float 0x1F", 31.0),
    ("!!str 30", "30"),
    ("!!str 2015-01-01", "2015-01-01"),
    ("!!null ~", None),
    ("!foo 30", "30"),  # a tag go-yaml does not know: the value is kept, as a string
    ("!!set 30", "30"),
    ("!<tag:example.com,2000:app/x> 1.5", "1.5"),
    ("!!map {a: 1}", {"a": 1}),  # a tag on a collection is not checked
    ("!foo [1]", [1]),
]


@pytest.mark.parametrize(("text", "value"), EXPLICIT_TAGS, ids=[c[0] for c in EXPLICIT_TAGS])
def test_explicit_and_unknown_tags_decode_as_go_yaml_decodes_them(text, value):
    """resolve.go (v3.0.1): a resolvable tag is checked and an integer accepted as !!float; ``resolvableTag`` false
    (an unknown tag) returns the text as it is."""
    assert decode(f"v: {text}") == {"v": value}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("!!int foo", "cannot decode !!str `foo` as a !!int"),
        ("!!int 1.5", "cannot decode !!float `1.5` as a !!int"),
        ("!!bool yes", "cannot decode !!str `yes` as a !!bool"),
        ("!!null x", "cannot decode !!str `x` as a !!null"),
        ("!!timestamp 30", "cannot decode !!int `30` as a !!timestamp"),
        ("!!float 18446744073709551615", "cannot decode !!int `18446744073709551615` as a !!float"),
        ("!!binary aGVsbG8", "!!binary value contains invalid base64 data"),
        ("!!binary 'aGVs bG8='", "!!binary value contains invalid base64 data"),
    ],
)
def test_a_value_that_does_not_fit_its_tag_is_refused(text, problem):
    """resolve.go (v3.0.1), the deferred check in ``resolve`` (only int and int64 become floats, not uint64), and
    decode.go ``scalar`` for !!binary (base64.StdEncoding: padding required, line breaks skipped)."""
    with pytest.raises(yaml12.YamlError, match=r"t\.yaml:1: " + re.escape(problem)):
        decode(f"v: {text}")


def test_binary_may_span_lines():
    """decode.go (v3.0.1) ``scalar``: base64.StdEncoding.DecodeString skips line breaks."""
    assert decode("v: !!binary |\n  aGVs\n  bG8=\n") == {"v": "hello"}


def test_keys_that_are_not_strings_make_a_general_map():
    """decode.go (v3.0.1) ``isStringMap`` and ``mapping``: a key tagged other than !!str makes
    ``map[interface{}]interface{}``, where true, 1 and 1.0 are three keys."""
    got = decode("v: {1: a, true: b, 1.0: c, x: d}")["v"]
    assert type(got) is GoMap
    assert got == GoMap({1: "a", GoKey("bool", True): "b", GoKey("float", 1.0): "c", "x": "d"})


@pytest.mark.parametrize(
    ("text", "line"),
    [("a: 1\nb: 2\na: 3\n", 3), ("{1: a, '1': b}", 1), ("x:\n  ? [a]\n  : 1\n  ? [b]\n  : 2\n", 4)],
)
def test_a_key_given_twice_is_refused(text, line):
    """decode.go (v3.0.1) ``mapping``, uniqueKeys: keys compared by node kind and text, so 1 and '1' are the same key
    and two sequence keys always are: "mapping key ... already defined at line N"."""
    with pytest.raises(yaml12.YamlError, match=rf"t\.yaml:{line}: mapping key .* already defined at line"):
        decode(text)


# encode_test.go, marshalTests: what go-yaml writes (yaml12.dump writes the same scalars, and reads back the same)
MARSHAL = [
    ({"v": "hi"}, "v: hi"),
    ({"v": "true"}, 'v: "true"'),
    ({"v": "false"}, 'v: "false"'),
    ({"v": True}, "v: true"),
    ({"v": 10}, "v: 10"),
    ({"v": -10}, "v: -10"),
    ({"v": 4294967296}, "v: 4294967296"),
    ({"v": "10"}, 'v: "10"'),
    ({"v": 0.1}, "v: 0.1"),
    ({"v": -0.1}, "v: -0.1"),
    ({"v": math.inf}, "v: .inf"),
    ({"v": -math.inf}, "v: -.inf"),
    ({"v": None}, "v: null"),
    ({"v": ""}, 'v: ""'),
    ({"a": "1:1"}, "a: 1:1"),  # go-yaml quotes base 60 floats for YAML 1.1 readers; go-yaml reads either as a string
    ({"a": "\udc80\udc81\udc82"}, "a: !!binary 'gIGC'"),  # go-yaml writes it unquoted; PyYAML quotes a tag
    ({"a": "你好"}, "a: 你好"),
    ({"a": GoTime(2015, 2, 24, 18, 19, 39)}, "a: 2015-02-24T18:19:39Z"),
    ({"a": GoTime(2015, 2, 24, 18, 19, 39, 123456789, -3 * 3600, "FOO")}, "a: 2015-02-24T18:19:39.123456789-03:00"),
    ({"a": "2015-02-24T18:19:39Z"}, 'a: "2015-02-24T18:19:39Z"'),
    ({"a": 1e6}, "a: 1e+06"),
    ({"a": 123456.0}, "a: 123456"),
    ({"a": "0o17"}, 'a: "0o17"'),
    ({"a": "1e3"}, 'a: "1e3"'),
]


@pytest.mark.parametrize(("value", "line"), MARSHAL, ids=[c[1] for c in MARSHAL])
def test_dump_writes_what_go_yaml_reads_back_as_the_same_value(value, line):
    """go-yaml v3.0.1 encode_test.go, marshalTests (encode.go ``stringv``: a string that would read as something
    else is quoted; ``floatv``: FormatFloat 'g'; ``timev``: RFC 3339 with nanoseconds)."""
    text = yaml12.dump(value)
    assert text.strip() == line, f"{ENCODE}: {value!r} is written {line!r}, not {text!r}"
    assert decode(text) == yaml12.roundtrip(value), f"{text!r} does not read back as {value!r}"


def test_dump_is_iterative_and_keeps_order():
    """yaml12.dump has no recursion: 10,000 levels, keys in the order given."""
    deep: list = []
    node = deep
    for _ in range(9990):
        child: list = []
        node.append(child)
        node = child
    text = yaml12.dump({"z": 1, "a": deep})
    assert text.startswith("z: 1\na:")
    value = decode(text)["a"]
    depth = 0
    while value:
        value, depth = value[0], depth + 1
    assert depth == 9990


ROUNDTRIP = [
    (60.0, 60),  # FormatFloat 'g' writes 60, which reads back as an integer
    (1e6, 1e6),  # "1e+06" stays a float
    (-0.0, 0),  # "-0" is the integer 0
    (123456.0, 123456),
    (1234567.0, 1234567.0),
    (GoTime(2024, 1, 2, 10, offset=0, zone=""), GoTime(2024, 1, 2, 10)),  # +00:00 is written Z: UTC
]


@pytest.mark.parametrize(("value", "again"), ROUNDTRIP, ids=[repr(c[0]) for c in ROUNDTRIP])
def test_roundtrip_is_what_go_yaml_reads_back_from_what_it_wrote(value, again):
    """encode.go (v3.0.1) ``floatv`` and ``timev``, then resolve.go: the values the Pulumi CLI's loaders see after
    writing a file back (pulumi/pulumi v3.259.0 sdk/go/common/workspace/loaders.go, LoadProjectStackBytes)."""
    got = yaml12.roundtrip({"v": value})["v"]
    assert got == again and type(got) is type(again)
