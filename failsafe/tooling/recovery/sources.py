"""The recovery figures the project states elsewhere, produced from the model so they cannot drift: the README's
tables ("Data protection and the RPO", "DNS failover and the RTO", the operations table) and docs/runbook.md's step
durations. Each README block sits between ``<!-- recovery-model:<name> -->`` and ``<!-- /recovery-model:<name> -->``;
the tables' duration cells are the model's step estimates. ``python -m failsafe.tooling.recovery.sources`` rewrites
them from the example estate; tests/tooling/test_recovery_sources.py fails when one disagrees.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

from failsafe.settings import stackfiles
from failsafe.tooling.recovery import estate, model
from failsafe.tooling.recovery.model import Model
from failsafe.tooling.recovery.render import md_table
from failsafe.tooling.recovery.stores.base import Status
from failsafe.tooling.recovery.stores.traffic import FORMULA
from failsafe.tooling.recovery.terms import Basis, duration_text

README = stackfiles.ROOT / "README.md"
RUNBOOK = stackfiles.ROOT / "docs" / "runbook.md"
# The runbook's steps (its table's # column) and the model's steps that time them.
RUNBOOK_ROWS = {
    1: ("declare",),
    2: ("verify-backup",),
    3: ("restore-state:dr",),
    4: ("up:dr",),
    5: ("restore-state:prod",),
    6: ("up:prod",),
    7: ("restore:",),
    8: ("dns-hold:", "dns-failover:"),
    9: ("verify",),
}


def step_text(m: Model, step_id: str) -> str:
    step = m.steps[step_id]
    if step.measured:
        return f"{step.duration.text()} (measured)"
    return f"{step.duration.text()} (estimated)" if step.duration.bounded else step.duration.text()


def row_duration(m: Model, row: int) -> str:
    """The duration cell of a runbook row: one step, or (data, DNS) every step of its kind, by name."""
    prefixes = RUNBOOK_ROWS[row]
    if row in (7, 8):
        found = [s for p in prefixes for s in m.steps.values() if s.id.startswith(p)]
        return "; ".join(f"{s.name}: {step_text(m, s.id)}" for s in found) or "-"
    return step_text(m, prefixes[0])


def dns_block(m: Model) -> str:
    rows = ["| term | value | basis | read from | source |", "|---|---|---|---|---|"]
    for step in (s for s in m.steps.values() if s.id.startswith("dns-failover:")):
        for term in step.terms:
            value = "UNKNOWN" if term.minutes is None else duration_text(term.minutes)
            reads = "<br>".join(f"`{r.text()}`" for r in term.reads) or "-"
            docs = "<br>".join(f"[{d.section}]({d.url})" for d in term.docs) or "-"
            rows.append(f"| {term.name} | {value} | {term.basis.value} | {reads} | {docs} |")
        rows.append(f"| **{step.name}** | **{step.duration.text()}** | {step.label()} | | |")
    return "\n".join(rows)


def derived_outputs(m: Model) -> dict[str, tuple[object, str]]:
    """prod's recovery outputs as the model derives them from the same plan: {output: (value, how)}."""
    found: dict[str, tuple[object, str]] = {}
    buckets = [s for s in m.stores if s.kind == "bucket" and s.cell("region-loss").status is Status.PROTECTED]
    lags = [next(t for t in s.cell("region-loss").rpo_terms if t.key == "s3.replication-time") for s in buckets]
    if lags:
        values = {None if lag.basis is Basis.NONE_PROMISED else lag.minutes for lag in lags}
        value = values.pop() if len(values) == 1 else "differs per bucket"
        found["rpoMinutes"] = (value, f"the replication lag of {', '.join(s.id for s in buckets)} at region loss")
    backups = [s for s in m.stores if s.kind == "backup"]
    if backups:
        rpo = backups[0].cell("az-loss").rpo
        found["backupWorstCaseMinutes"] = (
            rpo.minutes if rpo is not None and rpo.bounded else None,
            "a recovery point in prod's own vault: interval + start window + completion window",
        )
    for step in (s for s in m.steps.values() if s.id.startswith("dns-failover:")):
        seconds = sum(t.minutes or 0 for t in step.terms if t.key in FORMULA) * 60
        found["failoverWorstCaseSeconds"] = (
            round(seconds),
            f"detection + propagation + TTL of {step.id.split(':', 1)[1]} (the model adds what this leaves out)",
        )
    return found


def outputs_block(m: Model) -> str:
    rows = []
    for output, (value, how) in derived_outputs(m).items():
        shown = "null" if value is None else f"{value:g}" if isinstance(value, float) else value
        rows.append(f"- `{output}` = {shown}: {how}")
    return "\n".join(rows)


def readme_blocks(m: Model) -> dict[str, str]:
    return {
        "table": md_table(m, tuple(s for s in m.stores if s.kind != "traffic")),
        "outputs": outputs_block(m),
        "dns": md_table(m, tuple(s for s in m.stores if s.kind == "traffic")) + "\n\n" + dns_block(m),
    }


def block(text: str, name: str) -> str | None:
    """The text between a block's markers in ``text`` (None when the markers are missing)."""
    found = re.search(rf"<!-- recovery-model:{name} -->\n(.*?)<!-- /recovery-model:{name} -->", text, re.S)
    return found.group(1).rstrip("\n") if found else None


def with_block(text: str, name: str, content: str) -> str:
    pattern = rf"(<!-- recovery-model:{name} -->\n).*?(<!-- /recovery-model:{name} -->)"
    return re.sub(pattern, lambda g: g.group(1) + content + "\n" + g.group(2), text, count=1, flags=re.S)


def step_rows(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    """(line index, cells) of each numbered row of a step table: a table whose header's first cell is ``#``.

    Only those: the README has other tables whose rows start with a number (the fleet's benchmarks, N = 1, 5, ...),
    and their figures are not the recovery model's."""
    in_steps = False
    for index, line in enumerate(lines):
        if not line.startswith("|"):
            in_steps = False
            continue
        cells = line.strip().strip("|").split("|")
        first = cells[0].strip()
        if first == "#":
            in_steps = True
        elif in_steps and first.isdigit():
            yield index, cells


def table_durations(text: str, column: int) -> dict[int, str]:
    """{row number: the cell in ``column``} of the numbered step tables in ``text``."""
    return {
        int(cells[0].strip()): cells[column].strip() for _, cells in step_rows(text.splitlines()) if len(cells) > column
    }


def rewrite(text: str, m: Model, column: int, blocks: dict[str, str] | None = None) -> str:
    for name, content in (blocks or {}).items():
        text = with_block(text, name, content)
    lines = text.splitlines()
    for index, cells in list(step_rows(lines)):
        number = int(cells[0].strip())
        if number in RUNBOOK_ROWS and len(cells) > column:
            cells[column] = f" {row_duration(m, number)} "
            lines[index] = "|" + "|".join(cells) + "|"
    return "\n".join(lines) + "\n"


README_COLUMN, RUNBOOK_COLUMN = 3, 3  # "expected duration" in README's operations table and the runbook's table


def disagreements(m: Model, readme: str, runbook: str) -> list[str]:
    """Every recovery figure of the README and the runbook that the model does not state, one line each."""
    found = []
    for name, content in readme_blocks(m).items():
        written = block(readme, name)
        if written is None:
            found.append(f"README.md: no block recovery-model:{name}")
        elif written != content:
            found.append(f"README.md: block recovery-model:{name} differs from the model:\n{content}")
    for label, text, column in (("README.md", readme, README_COLUMN), ("docs/runbook.md", runbook, RUNBOOK_COLUMN)):
        cells = table_durations(text, column)
        for row in RUNBOOK_ROWS:
            expected = row_duration(m, row)
            if cells.get(row) != expected:
                found.append(f"{label}: step {row} says {cells.get(row)!r}, the model {expected!r}")
    return found


def example_model() -> Model:
    (found,) = estate.estates("prod")
    return model.build(found)


def main() -> int:
    m = example_model()
    README.write_text(rewrite(README.read_text(encoding="utf-8"), m, README_COLUMN, readme_blocks(m)), encoding="utf-8")
    RUNBOOK.write_text(rewrite(RUNBOOK.read_text(encoding="utf-8"), m, RUNBOOK_COLUMN), encoding="utf-8")
    print(f"rewrote the recovery figures of {README.name} and {RUNBOOK.relative_to(stackfiles.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
