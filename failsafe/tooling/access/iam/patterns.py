"""Wildcard patterns as IAM matches them: Action and Resource elements, string and ARN condition values.

A pattern is a tuple of tokens: literal text, or a marker for ``*``, ``?``, a policy variable or a value unknown at
preview. Tokens keep substituted policy-variable values literal (a "*" in a user name is not a wildcard) and make
compiled regexes cacheable by value. Sources: IAM User Guide, "IAM JSON policy elements: Action" and "Resource"
(wildcards; in the Resource element a wildcard stays within an ARN segment), "IAM policy elements: Variables and tags"
(``${key}``, ``${key, 'default'}``, and the special ``${*}``, ``${?}``, ``${$}``), and "Condition operators" (ARN
operators match "each of the six colon-delimited components" separately).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

from failsafe.tooling.access.iam.model import UNKNOWN, Tri, any_

_STAR = "\0*"
_QMARK = "\0?"
_UNK = "\0U"
_VAR = "\0V"  # prefix of a policy-variable token: _VAR + "key\0default" (default may be absent)
_SPECIAL_VARS = {"*": "*", "?": "?", "$": "$"}
_VAR_SYNTAX = re.compile(r"\s*([^,]+?)\s*(?:,\s*'([^']*)')?\s*$")
_TOKENS_WILD_VARS = re.compile(r"\$\{([^}]*)\}|[*?]|" + re.escape(UNKNOWN))
_TOKENS_WILD = re.compile(r"[*?]|" + re.escape(UNKNOWN))
_TOKENS_VARS = re.compile(r"\$\{([^}]*)\}|" + re.escape(UNKNOWN))
_TOKENS_PLAIN = re.compile(re.escape(UNKNOWN))


def _tokenize(text: str, *, wild: bool, variables: bool) -> tuple[str, ...]:
    splitter = (
        (_TOKENS_WILD_VARS if variables else _TOKENS_WILD) if wild else (_TOKENS_VARS if variables else _TOKENS_PLAIN)
    )
    tokens: list[str] = []
    literal = ""
    position = 0
    for found in splitter.finditer(text):
        literal += text[position : found.start()]
        position = found.end()
        piece = found.group(0)
        if piece == UNKNOWN:
            token = _UNK
        elif piece == "*":
            token = _STAR
        elif piece == "?":
            token = _QMARK
        else:
            inner = found.group(1)
            if inner in _SPECIAL_VARS:
                literal += _SPECIAL_VARS[inner]
                continue
            parsed = _VAR_SYNTAX.match(inner)
            if parsed is None:
                literal += piece
                continue
            key, default = parsed.group(1).lower(), parsed.group(2)
            token = _VAR + key + ("" if default is None else "\0" + default)
        if literal:
            tokens.append(literal)
            literal = ""
        tokens.append(token)
    literal += text[position:]
    if literal:
        tokens.append(literal)
    return tuple(tokens)


def is_special(token: str) -> bool:
    return token[:1] == "\0"


def _substitute(tokens: tuple[str, ...], context: Mapping[str, tuple[str, ...]]) -> tuple[str, ...] | None:
    """Replace policy variables by request values; ``None`` when one has no value (AWS: the element matches
    nothing). Only single-valued keys can be variables."""
    out: list[str] = []
    for token in tokens:
        if not token.startswith(_VAR):
            out.append(token)
            continue
        key, _, default = token[len(_VAR) :].partition("\0")
        values = context.get(key)
        if values is not None and len(values) == 1:
            value = values[0]
        elif "\0" in token[len(_VAR) :]:
            value = default
        else:
            return None
        pieces = value.split(UNKNOWN)
        for index, piece in enumerate(pieces):
            if index:
                out.append(_UNK)
            if piece:
                out.append(piece)
    merged: list[str] = []
    for token in out:
        if merged and not is_special(token) and not is_special(merged[-1]):
            merged[-1] += token
        else:
            merged.append(token)
    return tuple(merged)


@functools.lru_cache(maxsize=16384)
def _regex(tokens: tuple[str, ...], fold: bool, arn: bool) -> re.Pattern[str]:
    """Compile tokens. In ARN mode a wildcard stays within its colon-separated segment for the first five segments
    (partition, service, region, account) unless it is in the last segment written; in the resource part it
    matches anything (IAM User Guide, Resource element: wildcards; Condition operators: ARN)."""
    total = sum(token.count(":") for token in tokens if not is_special(token)) if arn else 0
    colons = 0
    parts: list[str] = []
    for token in tokens:
        if token == _UNK:
            parts.append(".*")
        elif token in (_STAR, _QMARK):
            bounded = arn and colons < 5 and colons < total
            parts.append(("[^:]*" if token == _STAR else "[^:]") if bounded else (".*" if token == _STAR else "."))
        else:
            parts.append(re.escape(token))
            colons += token.count(":")
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if fold else 0))


def _atoms(tokens: tuple[str, ...], arn: bool) -> tuple[tuple[str, str], ...]:
    """Tokens as single-character atoms for :func:`_could_match`: ("c", char), ("?", "") / ("?", ":") for any
    character (but a colon), ("*", "") / ("*", ":") for any string (without a colon). UNKNOWN is any string."""
    total = sum(token.count(":") for token in tokens if not is_special(token)) if arn else 0
    colons = 0
    atoms: list[tuple[str, str]] = []
    for token in tokens:
        if token == _UNK:
            atoms.append(("*", ""))
        elif token in (_STAR, _QMARK):
            bounded = arn and colons < 5 and colons < total
            atoms.append((token[1], ":" if bounded else ""))
        else:
            atoms.extend(("c", char) for char in token)
            colons += token.count(":")
    return tuple(atoms)


def _chars_meet(a: tuple[str, str], b: tuple[str, str], fold: bool) -> bool:
    """Whether two atoms accept a common character (a wildcard atom excludes at most a colon)."""
    if a[0] == "c" and b[0] == "c":
        return a[1].lower() == b[1].lower() if fold else a[1] == b[1]
    if a[0] == "c":
        return a[1] != b[1]
    if b[0] == "c":
        return b[1] != a[1]
    return True


@functools.lru_cache(maxsize=16384)
def _could_match(tokens: tuple[str, ...], value: str, fold: bool, arn: bool) -> bool:
    """Whether some completion of the UNKNOWN parts of ``value`` matches the pattern, i.e. whether two glob languages
    intersect: a search over (pattern position, value position) pairs. Cached, as previews repeat the same pairs."""
    pattern = _atoms(tokens, arn)
    text = _atoms(_tokenize(value, wild=False, variables=False), False)
    end = (len(pattern), len(text))
    seen = {(0, 0)}
    todo = [(0, 0)]
    while todo:
        i, j = todo.pop()
        if (i, j) == end:
            return True
        steps = []
        if i < len(pattern) and pattern[i][0] == "*":
            steps.append((i + 1, j))
        if j < len(text) and text[j][0] == "*":
            steps.append((i, j + 1))
        if i < len(pattern) and j < len(text) and _chars_meet(pattern[i], text[j], fold):
            step = (i if pattern[i][0] == "*" else i + 1, j if text[j][0] == "*" else j + 1)
            if step != (i, j):
                steps.append(step)
        for step in steps:
            if step not in seen:
                seen.add(step)
                todo.append(step)
    return False


def match_unknown_value(tokens: tuple[str, ...], value: str, fold: bool, arn: bool) -> Tri:
    """Match a pattern against a request value that contains UNKNOWN: ``False`` when no completion of the value can
    match, ``True`` only when every completion does (a pattern of stars, or a known prefix then a trailing star)."""
    if tokens and all(token == _STAR for token in tokens):
        return True
    if not _could_match(tokens, value, fold, arn):
        return False
    if len(tokens) == 2 and tokens[1] == _STAR and not is_special(tokens[0]):
        head, prefix = value[: value.find(UNKNOWN)], tokens[0]
        if head.lower().startswith(prefix.lower()) if fold else head.startswith(prefix):
            return True
    return None


def _match_tokens(tokens: tuple[str, ...], value: str, fold: bool, arn: bool) -> Tri:
    if UNKNOWN in value:
        return match_unknown_value(tokens, value, fold, arn)
    hit = _regex(tokens, fold, arn).fullmatch(value) is not None
    if _UNK in tokens:
        return None if hit else False
    return hit


class Glob:
    """One compiled pattern (an Action, a Resource, a condition value) with its fast paths precomputed."""

    __slots__ = ("arn", "fold", "literal", "match_all", "regex", "tokens", "unknown", "variables")

    def __init__(self, text: str, *, wild: bool, fold: bool, arn: bool = False, variables: bool = False) -> None:
        self.tokens = _tokenize(text, wild=wild, variables=variables)
        self.fold = fold
        self.arn = arn
        self.variables = any(token.startswith(_VAR) for token in self.tokens)
        self.unknown = _UNK in self.tokens
        self.match_all = bool(self.tokens) and all(token == _STAR for token in self.tokens)
        if not self.tokens:
            self.literal: str | None = ""
        elif len(self.tokens) == 1 and not is_special(self.tokens[0]):
            self.literal = self.tokens[0].lower() if fold else self.tokens[0]
        else:
            self.literal = None
        compiled = self.literal is None and not self.variables
        self.regex = _regex(self.tokens, fold, arn) if compiled else None

    def match(self, value: str, context: Mapping[str, tuple[str, ...]]) -> Tri:
        if self.match_all:
            return True
        if self.variables:
            tokens = _substitute(self.tokens, context)
            return False if tokens is None else _match_tokens(tokens, value, self.fold, self.arn)
        if UNKNOWN in value:
            return match_unknown_value(self.tokens, value, self.fold, self.arn)
        if self.literal is not None:
            return self.literal == (value.lower() if self.fold else value)
        assert self.regex is not None
        hit = self.regex.fullmatch(value) is not None
        if self.unknown:
            return None if hit else False
        return hit


@functools.lru_cache(maxsize=65536)
def glob(text: str, *, wild: bool, fold: bool, arn: bool = False, variables: bool = False) -> Glob:
    """``Glob(...)``, made once per process for the same arguments: a Glob is never changed after it is made, and
    the same patterns come back in every stack of a fleet (a member's policies differ from the next member's in their
    bucket and account names, not in their hundreds of actions), so ``check --all`` no longer compiles them per
    member (1,600 patterns a member in the example fleet)."""
    return Glob(text, wild=wild, fold=fold, arn=arn, variables=variables)


@functools.lru_cache(maxsize=16384)
def _alternation(alternatives: str, fold: bool) -> re.Pattern[str]:
    """One statement's element as one regex, compiled once per process: the same documents are proven again and again
    (every stack of ``check --all`` holds the estate's policies), and ``re``'s own cache keeps only 512 patterns."""
    return re.compile(alternatives, re.DOTALL | (re.IGNORECASE if fold else 0))


class GlobSet:
    """The patterns of one Action/Resource element, OR'ed. When none has a variable or an unknown, they are compiled
    into one alternation so that a statement costs one regex call, not a Python loop per pattern."""

    __slots__ = ("globs", "match_all", "regex")

    def __init__(self, globs: Sequence[Glob]) -> None:
        self.globs = tuple(globs)
        self.match_all = any(glob.match_all for glob in self.globs)
        fast = bool(self.globs) and not any(glob.variables or glob.unknown for glob in self.globs)
        if fast:
            first = self.globs[0]
            alternatives = "|".join(f"(?:{_regex(glob.tokens, glob.fold, glob.arn).pattern})" for glob in self.globs)
            self.regex: re.Pattern[str] | None = _alternation(alternatives, bool(first.fold))
        else:
            self.regex = None

    def match(self, value: str, context: Mapping[str, tuple[str, ...]]) -> Tri:
        if self.match_all:
            return True
        if self.regex is not None and UNKNOWN not in value:
            return self.regex.fullmatch(value) is not None
        return any_(glob.match(value, context) for glob in self.globs)


def strings(value: Any, what: str) -> list[str]:
    """A policy field that may be a string or a list of strings (numbers and booleans are written as JSON)."""
    items = value if isinstance(value, list | tuple) else [value]
    out = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, str | int | float):
            out.append(str(item))
        else:
            raise ValueError(f"{what}: expected a string or a list of strings, got {item!r}")
    return out
