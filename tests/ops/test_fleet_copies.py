"""The copier's own EBS/RDS copies stay inside the copy quotas when the fleet's members finish snapshots together
(issue 24, item 6), against a Region that refuses a copy beyond the quota the way AWS does
(:mod:`tests.support.copy_quota`; the quotas and error codes are cited in :mod:`failsafe.ops.copier`)."""

from __future__ import annotations

import pytest

from failsafe.ops import copier
from tests.support.copy_quota import Drain, simulate
from tests.support.plans import config_of

DR = config_of("dr")
ACCOUNTS = [m.account for m in (DR.fleet.members if DR.fleet else ())]
# AWS's figures, as the Region stub enforces them: Amazon EBS User Guide, "Quotas for Amazon EBS", "Concurrent snapshot
# copies per destination Region" 20; Amazon RDS User Guide, "Copying a DB snapshot", "up to 20 DB snapshots at a time".
AWS_QUOTAS = {"ebs": 20, "rds": 20}


def quota_problems(drain: Drain) -> list[str]:
    """What a drain did wrong: asked AWS beyond a quota, held more in flight than the quota, or left copies undone."""
    problems = [f"{drain.refused} copies refused by the quota"] if drain.refused else []
    problems += [
        f"{pool}: {n} in flight, quota {AWS_QUOTAS[pool]}" for pool, n in drain.peak.items() if n > AWS_QUOTAS[pool]
    ]
    return problems + ([] if drain.drained else ["copies left undone"])


def test_members_finishing_together_never_exceed_the_copy_quotas_and_all_drain() -> None:
    fleet = ACCOUNTS * 4  # the example fleet's accounts, four times over: 12 members of 6 EBS and 3 RDS snapshots
    drain = simulate(fleet, DR.dr_region, ebs=6, rds=3, quotas=AWS_QUOTAS)

    assert quota_problems(drain) == []
    assert drain.copies == len(fleet) * 9 and drain.peak == AWS_QUOTAS  # the quota is used, not just kept


def test_a_copier_that_ignores_what_is_in_flight_is_refused_by_the_quota(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same fleet with the in-flight count switched off (each run may start MAX_COPIES_PER_RUN): the Region
    refuses copies, and the check above says so; the copier defers the refused ones and still drains."""
    monkeypatch.setattr(copier, "COPY_QUOTAS", {"ebs": 10_000, "rds": 10_000})
    drain = simulate(ACCOUNTS * 4, DR.dr_region, ebs=6, rds=3, quotas=AWS_QUOTAS)

    assert drain.refused > 0 and drain.drained
    assert any("refused by the quota" in p for p in quota_problems(drain))
