"""How long the copier's own EBS/RDS copies take to drain when N members finish their snapshots together, inside the
copy quotas (issue 24, item 6): printed figures, not a timed test.

Each member's copier runs every 5 minutes (its events and schedule) against one backup-account Region that refuses a
copy beyond the quota the way AWS does (tests/support/copy_quota.py). Every copy is taken to last 30 minutes (UNKNOWN
in reality: it depends on the snapshot's size and on AWS), so the drain time is a figure of the schedule and the
quota: about ceil(copies / 20) x 30 minutes per pool. Run: `python bench/fleet_copies.py [--ebs 6 --rds 3]`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from failsafe.ops import copier  # noqa: E402
from tests.support.copy_quota import simulate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ebs", type=int, default=6, help="EBS snapshots per member (default 6)")
    parser.add_argument("--rds", type=int, default=3, help="RDS snapshots per member (default 3)")
    parser.add_argument("--copy-minutes", type=int, default=30)
    args = parser.parse_args()
    quotas = copier.COPY_QUOTAS
    print(
        f"copy quotas per destination Region: EBS {quotas['ebs']}, RDS {quotas['rds']}; "
        f"each copy {args.copy_minutes} min"
    )
    print(
        f"{'#':>2}  {'members':>7}  {'copies':>6}  {'drain':>9}  {'peak EBS':>8}  {'peak RDS':>8}  {'refused':>7}  runs"
    )
    for i, n in enumerate((1, 3, 10, 30, 100), 1):
        accounts = [f"{700000000000 + k}" for k in range(n)]
        d = simulate(accounts, "eu-central-1", ebs=args.ebs, rds=args.rds, copy_minutes=args.copy_minutes)
        drain = f"{d.minutes // 60}h{d.minutes % 60:02d}m" if d.drained else "not done"
        print(
            f"{i:>2}  {n:>7}  {d.copies:>6}  {drain:>9}  {d.peak['ebs']:>8}  {d.peak['rds']:>8}  {d.refused:>7}  "
            f"{d.runs}"
        )


if __name__ == "__main__":
    main()
