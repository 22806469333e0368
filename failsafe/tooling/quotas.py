"""AWS's quotas measured on the plans: every document and count of one plan (the pack's quota policies judge the same
measurements one stack at a time: :mod:`failsafe_guardrails.quotas`), and the quotas that span stacks, which only
``check --all`` sees: general purpose buckets per account summed over every stack deploying into it.

The limits, their sources and how each service counts are :mod:`failsafe_guardrails.limits` (one table and one
measurement for the pack and for here). ``python bench/org_policy_sizes.py`` prints :func:`largest` at N = 1 ... 1,000
members.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from failsafe.tooling.harness import PROVIDER_PREFIX, Plan
from failsafe_guardrails import limits


@dataclass(frozen=True)
class Measured:
    """One measurement of a stack's plan, with the stack it belongs to."""

    stack: str
    found: limits.Measured

    @property
    def kind(self) -> str:
        return self.found.limit.what

    def line(self) -> str:
        """``<stack>: <kind>: <value> of <limit> <unit> (<fraction>) at <resource>``: the measured figure `check`
        prints."""
        m = self.found
        return (
            f"{self.stack}: {m.limit.what}: {m.value:,} of {m.limit.limit:,} {m.limit.unit} ({m.fraction:.1%}) "
            f"at {m.resource}"
        )


def measure(plan: Plan) -> Iterator[Measured]:
    """Every quota-bound document and count of ``plan``."""
    for found in limits.measure(plan.resources):
        yield Measured(plan.stack, found)


def largest(plans: Mapping[str, Plan]) -> dict[str, Measured]:
    """The largest measurement of each kind over ``plans`` (by fraction of its limit)."""
    found: dict[str, Measured] = {}
    for plan in plans.values():
        for m in measure(plan):
            if m.kind not in found or m.found.fraction > found[m.kind].found.fraction:
                found[m.kind] = m
    return found


def _provider_accounts(plan: Plan) -> dict[str, str]:
    out: dict[str, str] = {}
    for r in plan.resources:
        if r.type == PROVIDER_PREFIX + "aws":
            accounts = r.inputs.get("allowedAccountIds")
            accounts = json.loads(accounts) if isinstance(accounts, str) else accounts
            if accounts:
                out[r.urn] = str(accounts[0])
    return out


def buckets_per_account(plans: Mapping[str, Plan]) -> Counter[str]:
    """General purpose buckets per account over every plan (the account is the bucket's provider's one allowed
    account: every failsafe provider pins one, the pack's providers-allowed-account-ids)."""
    buckets: Counter[str] = Counter()
    for plan in plans.values():
        accounts = _provider_accounts(plan)
        for bucket in plan.by_type(limits.BUCKET):
            account = accounts.get(bucket.provider_urn)
            if account:
                buckets[account] += 1
    return buckets


def cross_stack(plans: Mapping[str, Plan]) -> tuple[list[str], list[str]]:
    """(problems, figures) of the quota no single stack sees: S3 general purpose buckets per account (a default of
    10,000, raised on request) over every plan deploying into it."""
    problems: list[str] = []
    figures: list[str] = []
    quota = limits.S3_BUCKETS_PER_ACCOUNT
    for account, count in sorted(buckets_per_account(plans).items()):
        figures.append(f"account {account}: {count:,} S3 buckets of {quota.limit:,} ({count / quota.limit:.2%})")
        found = quota.problem(count)
        if found:
            problems.append(f"account {account}: {found}")
    return problems, figures
