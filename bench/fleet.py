"""A copy of the example estate with a fleet of N members, for the fleet benches: the project's config files copied
into a temporary folder, dr's members registry rewritten with N members (alternating between the two protected OUs,
``buckets`` protected buckets each) and their stack files written by ``members write``, as a team would."""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from failsafe.tooling import members  # noqa: E402

FILES = ("Pulumi.yaml", "Pulumi.dr.yaml", "Pulumi.org.yaml", "Pulumi.prod.yaml", "Pulumi.pr.template.yaml")
OUS = ("o-exampleorg12/r-ex12/ou-ex12-payments1/", "o-exampleorg12/r-ex12/ou-ex12-analytics/")


def fleet(n: int, buckets: int = 2) -> Path:
    """A folder holding the estate with ``n`` members (``prod-m0000`` ...)."""
    root = Path(tempfile.mkdtemp(prefix=f"failsafe-fleet-{n}-"))
    for name in (*FILES, members.TEMPLATE):
        shutil.copy(ROOT / name, root / name)
    entries = "".join(
        f'    - name: m{i:04d}\n      accountId: "{700000000000 + i}"\n      region: eu-west-1\n'
        f"      buckets: [{', '.join(f'b{j}' for j in range(buckets))}]\n      ou: {OUS[i % 2]}\n"
        for i in range(n)
    )
    dr = (root / "Pulumi.dr.yaml").read_text(encoding="utf-8")
    dr = re.sub(r"  failsafe:members:\n(?:    .*\n|      .*\n)*", f"  failsafe:members:\n{entries}", dr)
    (root / "Pulumi.dr.yaml").write_text(dr, encoding="utf-8")
    members.write(root, root, update_existing=False)
    return root


def remove(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)
