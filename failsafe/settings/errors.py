"""The one error of stack configuration, and where a person fixes it.

Apart from the typed model (:mod:`failsafe.settings.model`) and from the parsing (:mod:`failsafe.settings.config` and
its sections) so that every module of ``failsafe.settings`` can refuse a value without importing the loader: the
loader imports them, never the other way round (tests/architecture/test_import_contract.py holds it to no cycle).

A message shows each value as the person wrote it in the stack file (:func:`as_written`), never as Python holds it:
``'cname:app.example.com'``, not ``DnsTarget(kind='cname', ...)``; ``[assets, uploads]``, not ``('assets', 'uploads')``;
``true``, not ``True``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence

import yaml

NAMESPACE = "failsafe"

PREVIEW_STACK = re.compile(r"^pr-(\d+)$")
# A workload account of a fleet (issue 24): stack prod-<name>, one per member of dr's `members` registry. The name goes
# into S3 bucket names, so it is a lowercase S3 name part of at most 20 characters.
MEMBER_STACK = re.compile(r"^prod-([a-z0-9](?:[a-z0-9-]{0,18}[a-z0-9])?)$")

# Keys every stack must agree on: dr trusts prod's roles and builds prod's replica buckets from them, without reading
# prod. The team writes them in each stack file (its own files; Pulumi.yaml is the product's), and two stack files
# of one estate that disagree are refused (failsafe.settings.stackfiles), so dr and prod cannot drift apart. (A
# preview stack copies prod's and sets deployRoleName itself: it deploys with the scoped preview role.)
SHARED_KEYS = frozenset(
    {
        "prodAccountId",
        "backupAccountId",
        "identityAccountId",
        "previewAccountId",
        "dnsAccountId",
        "primaryRegion",
        "drRegion",
        "metricsRegion",
        "protectedBuckets",
        "replicationRoleName",
        "namePrefix",
        "bucketNamePrefix",
        "deployRoleName",
        "githubRepository",
        "sourceBucketNames",
        "adoptBuckets",
        "prodInDrRegion",
        # the air-gapped vault (failsafe.settings.airgap): dr builds it and prod copies into it within its retention
        "airGappedVault",
        "airGappedVaultMinRetentionDays",
        "airGappedVaultMaxRetentionDays",
        "airGappedVaultKmsKeyArn",
        "recoveryAccountId",
        "recoveryAccountOutsideOrganization",
    }
)

# The keys that describe one workload account: shared by dr and prod in a single-account estate, but in a fleet each
# member stack sets its own (its file must agree with its entry in dr's `members` registry: failsafe.settings.fleet).
WORKLOAD_KEYS = frozenset(
    {"prodAccountId", "primaryRegion", "protectedBuckets", "sourceBucketNames", "adoptBuckets", "prodInDrRegion"}
)

# What a message may show: the text the engine hands the program for a key (a string; lists and maps as JSON text),
# or a plain value parsed from it. Typed so that mypy refuses a dataclass (DnsTarget, StackConfig) passed as a value.
Shown = str | int | float | bool | Sequence[str] | Sequence[int] | Mapping[str, str] | None


def file_to_edit(key: str, stack: str | None = None) -> str:
    """Where a person fixes ``key``: shared keys in every stack file that reads them, per-stack keys in the stack's
    own file (previews in the template they are generated from); a member's workload keys in its own file."""
    if stack is not None and key in WORKLOAD_KEYS and MEMBER_STACK.match(stack):
        return f"Pulumi.{stack}.yaml (this member's own value; dr's members registry must say the same)"
    if key in SHARED_KEYS:
        return "every stack file that reads it, alike (Pulumi.dr.yaml and Pulumi.prod.yaml; previews copy prod's)"
    if stack is not None and PREVIEW_STACK.match(stack):
        return "Pulumi.pr.template.yaml, then regenerate with `python -m failsafe preview-config`"
    target = f"Pulumi.{stack}.yaml" if stack else "the stack's Pulumi.<stack>.yaml"
    return target  # Pulumi.yaml's defaults are the product's: a team overrides one in its stack files


class Written(str):
    """A value's source text exactly as the person wrote it in the file (``060``, ``'060'``, ``1.5``): messages show
    it verbatim, not quoted as a string the file never held."""

    def __repr__(self) -> str:
        return str(self)


def as_written(value: Shown) -> str:
    """``value`` in the stack file's own notation, on one line: a string between single quotes exactly as written
    (no escaping: the person searches the file for it), a list or map in YAML flow style (``[assets, uploads]``: the
    engine hands lists to the program as JSON text, which is shown the same way), booleans and numbers in YAML."""
    if value is None:
        return "(not set)"
    if isinstance(value, Written):
        return str(value)
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in "[{":  # the JSON text of a list or map (what the engine hands the program)
            try:
                parsed = json.loads(stripped)
            except ValueError:
                parsed = None
            if isinstance(parsed, (list, dict)):
                return _flow(parsed)
        return f"'{value}'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return _flow(dict(value))
    return _flow(list(value))


def _flow(value: object) -> str:
    text: str = yaml.safe_dump(value, default_flow_style=True, width=math.inf, sort_keys=False)
    return " ".join(text.strip().removesuffix("...").split())


class ConfigError(ValueError):
    """A configuration value that failsafe refuses; ``str()`` is the whole message for a person, on one line: where
    (``file:line`` when known), the key, the value as written, what is expected, and which file to edit."""

    def __init__(
        self, key: str, value: Shown, expected: str, *, where: str | None = None, stack: str | None = None
    ) -> None:
        self.key = key
        self.value = value
        self.expected = expected
        self.where = where
        self.stack = stack
        super().__init__(self.message)

    @property
    def message(self) -> str:
        prefix = f"{self.where}: " if self.where else ""
        text = (
            f"{prefix}invalid config {NAMESPACE}:{self.key} = {as_written(self.value)}: expected {self.expected}. "
            f"Fix it in {file_to_edit(self.key, self.stack)}."
        )
        return " ".join(text.split())

    def __str__(self) -> str:
        return self.message

    def in_stack(self, stack: str) -> ConfigError:
        """The same error, advising the stack's own file."""
        self.stack = self.stack or stack
        self.args = (self.message,)
        return self
