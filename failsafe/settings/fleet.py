"""The fleet (issue 24): one backup account, an AWS Organization, and N workload accounts, each with its own stack.

Layout (docs: README "Many accounts"):

- dr's stack file holds the **registry** (``members``): for each workload account its name, account, region,
  protected buckets and the OU it sits in. dr builds each member's replica buckets from it, and nothing else about a
  member: every policy dr shares between members (the replica key, the vault, the event bus) admits the protected
  OUs by condition (``aws:PrincipalOrgPaths``), so its size does not grow with the number of members.
- each member has its own stack ``prod-<name>`` whose file sets that account's own values (``prodAccountId``,
  ``primaryRegion``, ``protectedBuckets``: :data:`~failsafe.settings.errors.WORKLOAD_KEYS`); `check --all` refuses a
  member whose file disagrees with dr's registry, naming both files (:mod:`failsafe.tooling.estate`), and the member's
  program refuses dr's outputs when they lack its entry (:mod:`failsafe.settings.agreement`).
- the ``org`` stack (role ``org``, in the management account or a delegated administrator) holds the organization
  policies: a backup policy per protected OU, the backup account's SCP and RCP. It reads nothing; the organization's
  keys (``backupOrganizationId``, ``orgManagementAccountId``, ``organizationalUnits``) are repeated in dr's and org's
  files and `check --all` refuses disagreement.

Sources of the formats: IAM User Guide, "AWS global condition context keys", ``aws:PrincipalOrgPaths`` (an entity path
``o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ou-ab12-22222222/``); Organizations API Reference, "AttachPolicy", ``TargetId``
(a root ``r-`` + 4-32 lowercase letters or digits; an OU ``ou-`` + 4-32 lowercase letters or digits + ``-`` + 8-32
lowercase letters or digits; an account 12 digits). This module reads only; it imports nothing of the model, so the
model can type against it (tests/architecture/test_import_contract.py holds the modules to no cycle).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from failsafe.settings.errors import MEMBER_STACK, ConfigError
from failsafe.settings.values import ACCOUNT_ID, BUCKET_LABEL, ROLE_NAME, Raw, account, known_regions

ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
ROOT_ID = r"r-[0-9a-z]{4,32}"
OU_ID = r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}"
OU_PATH = re.compile(rf"^(o-[a-z0-9]{{10,32}})/{ROOT_ID}/(?:{OU_ID}/)+$")
MEMBER_FIELDS = ("name", "accountId", "region", "buckets", "ou")
OPTIONAL_MEMBER_FIELDS = ("profile",)  # the AWS profile the operator tools use for this member (default: prod's)
PROFILE = re.compile(r"^[A-Za-z0-9_.@+=,-]{1,64}$")
MEMBER_FORM = (
    "a list of members, each {name: <lowercase name>, accountId: '<12 digits, quoted>', region: <region>, "
    "buckets: [<bucket>, ...], ou: <OU path from organizationalUnits>}"
)


@dataclass(frozen=True)
class Member:
    """One workload account of the fleet. ``ou_path`` is "" in the member's own stack (its file does not repeat it)."""

    name: str
    account: str
    region: str
    buckets: tuple[str, ...]
    ou_path: str = ""
    profile: str = ""  # registry's optional per-member AWS profile for the operator tools ("" = the prod-side one)

    @property
    def stack(self) -> str:
        return f"prod-{self.name}"


@dataclass(frozen=True)
class Organization:
    """The AWS Organization the estate lives in, as config states it."""

    id: str
    management_account: str
    admin_account: str  # where the org stack deploys: the management account or a delegated administrator
    deploy_role_name: str  # the org provider's least-privilege role there
    ou_paths: tuple[str, ...]  # the protected OUs: every member sits in one
    backup_regions: tuple[str, ...]  # the regions the backup policy backs up

    @property
    def ou_ids(self) -> tuple[str, ...]:
        """The OU each path ends in: what a policy attachment targets."""
        return tuple(ou_id(path) for path in self.ou_paths)

    def path_patterns(self) -> list[str]:
        """``aws:PrincipalOrgPaths`` patterns admitting each protected OU and the OUs below it (IAM User Guide, AWS
        global condition context keys, aws:PrincipalOrgPaths: "ForAnyValue:StringLike ... ou-.../*")."""
        return [f"{path}*" for path in self.ou_paths]


@dataclass(frozen=True)
class Fleet:
    """What this stack knows of the fleet: the organization (None: not configured), dr's registry (dr only) and, in a
    member stack, the member itself."""

    organization: Organization | None
    members: tuple[Member, ...] = ()
    member: Member | None = None

    def accounts(self) -> set[str]:
        """Every account of the fleet config names: the management and admin accounts, the members."""
        found = {m.account for m in self.members} | ({self.member.account} if self.member else set())
        if self.organization is not None:
            found |= {self.organization.management_account, self.organization.admin_account}
        return found

    def replica_buckets(self, bucket_prefix: str, dr_region: str) -> dict[tuple[str, str], str]:
        """(member, bucket) -> the replica bucket dr builds for it."""
        return {
            (m.name, b): member_replica_bucket_name(bucket_prefix, m.name, b, dr_region)
            for m in self.members
            for b in m.buckets
        }


def ou_id(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def member_replica_bucket_name(bucket_prefix: str, member: str, bucket: str, dr_region: str) -> str:
    return f"{bucket_prefix}-{member}-{bucket}-replica-{dr_region}"


def member_source_bucket_name(bucket_prefix: str, member: str, bucket: str, region: str) -> str:
    """A member's source buckets carry its name: S3 names are global, and two members may protect buckets of the same
    logical name in the same region."""
    return f"{bucket_prefix}-{member}-{bucket}-{region}"


def _list(raw: Raw, key: str) -> list[Any]:
    value = raw.get(key)
    if value is None:
        return []
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except json.JSONDecodeError:
        raise raw.refuse(key, "a YAML list in the stack file") from None
    if not isinstance(parsed, list):
        raise raw.refuse(key, "a YAML list in the stack file")
    return parsed


def organization(raw: Raw, backup_account: str, primary_region: str) -> Organization | None:
    """``orgManagementAccountId`` set: the estate lives in an organization (None otherwise)."""
    if not raw.opt_str("orgManagementAccountId"):
        return None
    management = account(raw, "orgManagementAccountId")
    org_id = raw.opt_str("backupOrganizationId")
    if org_id is None or not ORGANIZATION_ID.match(org_id):
        raise ConfigError(
            "backupOrganizationId",
            org_id,
            "the organization's ID (o- and 10-32 lowercase letters or digits), because orgManagementAccountId is set",
        )
    if management == backup_account:
        raise ConfigError(
            "orgManagementAccountId",
            management,
            "an account other than backupAccountId: SCPs and RCPs do not apply to the management account's own "
            "principals and resources (Organizations User Guide, SCP and RCP effects), so the backup account's "
            "perimeter would cap nothing",
        )
    admin = account(raw, "orgAccountId") if raw.opt_str("orgAccountId") else management
    if admin == backup_account:
        raise ConfigError(
            "orgAccountId",
            admin,
            "an account other than backupAccountId: whoever deploys the org stack controls the backup account's "
            "perimeter, which must not be the account it guards",
        )
    role = raw.str("orgDeployRoleName")
    if not ROLE_NAME.match(role):
        raise ConfigError("orgDeployRoleName", role, "an IAM role name (1-64 of letters, digits, +=,.@_-)")
    paths: list[str] = []
    for entry in _list(raw, "organizationalUnits"):
        match = OU_PATH.match(entry) if isinstance(entry, str) else None
        if match is None:
            raise ConfigError(
                "organizationalUnits",
                str(entry),
                "OU paths as aws:PrincipalOrgPaths writes them, e.g. o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ "
                "(ending in '/')",
            )
        if match.group(1) != org_id:
            raise ConfigError(
                "organizationalUnits", entry, f"a path in the organization {org_id} (backupOrganizationId)"
            )
        if entry in paths:
            raise ConfigError("organizationalUnits", entry, "each OU listed once")
        paths.append(entry)
    regions: list[str] = []
    for entry in _list(raw, "backupPolicyRegions") or [primary_region]:
        if not isinstance(entry, str) or entry not in known_regions():
            raise ConfigError("backupPolicyRegions", str(entry), "AWS region names known to botocore, e.g. eu-west-1")
        regions.append(entry)
    return Organization(org_id, management, admin, role, tuple(paths), tuple(dict.fromkeys(regions)))


def read(
    raw: Raw,
    role: str,
    stack: str,
    taken: Mapping[str, str],
    buckets: set[str],
    bucket_prefix: str,
    dr_region: str,
) -> Fleet | None:
    """The fleet as this stack sees it. ``taken``: the estate's other accounts by key (a member may be none of them);
    ``buckets``: the estate's other bucket names (the member replicas, named from ``bucket_prefix`` and ``dr_region``,
    must be valid S3 names distinct from them and from each other)."""
    org = organization(raw, taken["backupAccountId"], raw.str("primaryRegion"))
    entries = _list(raw, "members")
    if entries and role != "dr":
        raise ConfigError("members", raw.text("members"), "no value here: members is dr's registry (Pulumi.dr.yaml)")
    if role == "org" and org is None:
        raise ConfigError(
            "orgManagementAccountId",
            None,
            f"the organization's management account: {stack} has role org, which deploys the organization's policies",
        )
    members = _members(entries, org, taken, buckets, bucket_prefix, dr_region) if entries else ()
    own = MEMBER_STACK.match(stack) if role == "prod" else None
    member = None
    if own is not None:
        member = Member(
            own.group(1), raw.str("prodAccountId"), raw.str("primaryRegion"), raw.str_list("protectedBuckets")
        )
    if org is None and not members and member is None:
        return None
    return Fleet(org, members, member)


def _members(
    entries: list[Any],
    org: Organization | None,
    taken: Mapping[str, str],
    buckets_taken: set[str],
    bucket_prefix: str,
    dr_region: str,
) -> tuple[Member, ...]:
    if org is None:
        raise ConfigError(
            "orgManagementAccountId",
            None,
            "the organization's management account: members share dr's policies through organization conditions, "
            "so a registry needs an organization (and organizationalUnits)",
        )
    found: list[Member] = []
    seen_accounts = {a: k for k, a in taken.items() if a}
    names: dict[str, str] = {b: "a bucket of the single-account estate" for b in buckets_taken}
    for entry in entries:
        shown = json.dumps(entry, separators=(", ", ": ")) if not isinstance(entry, str) else entry
        if not isinstance(entry, dict):
            raise ConfigError("members", shown, MEMBER_FORM)
        unknown = sorted(set(entry) - set(MEMBER_FIELDS) - set(OPTIONAL_MEMBER_FIELDS))
        missing = [f for f in MEMBER_FIELDS if f not in entry]
        if unknown or missing:
            what = f"unknown field '{unknown[0]}'" if unknown else f"no '{missing[0]}'"
            raise ConfigError("members", shown, f"{MEMBER_FORM}; this entry has {what}")
        name, acct, region, buckets, ou = (entry[f] for f in MEMBER_FIELDS)
        stack = f"prod-{name}" if isinstance(name, str) else ""
        if not MEMBER_STACK.match(stack):
            raise ConfigError(
                "members", shown, "a name of 1-20 lowercase letters, digits or hyphens (stack prod-<name>)"
            )
        if not isinstance(acct, str):
            raise ConfigError("members", shown, f"accountId as a quoted string ('{acct}' read as a number loses zeros)")
        if not ACCOUNT_ID.match(acct):
            raise ConfigError("members", shown, "accountId: a 12-digit AWS account ID")
        if acct in seen_accounts:
            raise ConfigError("members", shown, f"an account of its own: {acct} is already {seen_accounts[acct]}")
        if not isinstance(region, str) or region not in known_regions():
            raise ConfigError("members", shown, "region: an AWS region known to botocore")
        if region == dr_region:
            raise ConfigError("members", shown, f"a region other than drRegion ({dr_region}): an outage takes both")
        if (
            not isinstance(buckets, list)
            or not buckets
            or not all(isinstance(b, str) and BUCKET_LABEL.match(b) for b in buckets)
            or len(set(buckets)) != len(buckets)
        ):
            raise ConfigError("members", shown, "buckets: a list of distinct lowercase S3 name parts")
        if ou not in org.ou_paths:
            raise ConfigError("members", shown, f"ou: one of organizationalUnits ({', '.join(org.ou_paths) or 'none'})")
        if any(m.name == name for m in found):
            raise ConfigError("members", shown, f"each member named once ('{name}' twice)")
        for bucket in buckets:  # S3's naming rules: failsafe.settings.awsnames, with every other derived name
            replica = member_replica_bucket_name(bucket_prefix, name, bucket, dr_region)
            if replica in names:
                raise ConfigError("members", shown, f"distinct replica buckets: '{replica}' is also {names[replica]}")
            names[replica] = f"member {name}'s replica of {bucket}"
        profile = entry.get("profile", "")
        if not isinstance(profile, str) or (profile and not PROFILE.match(profile)):
            raise ConfigError(
                "members", shown, "profile: an AWS profile name (letters, digits, _.@+=,-), or no profile"
            )
        seen_accounts[acct] = f"member {name}"
        found.append(Member(name, acct, region, tuple(buckets), ou, profile))
    return tuple(found)
