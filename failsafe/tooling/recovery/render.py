"""The model for people and machines: ``text`` (every cell with its terms), ``table`` (store x disruption in 100
columns), ``json`` (the whole model, the format ``--diff`` and ``failsafe-dr verify`` read) and ``markdown`` (the table,
the recovery timeline of the worst disruption as a Mermaid Gantt chart, which GitHub renders, and every term).
"""

from __future__ import annotations

import json

from failsafe.tooling.recovery.model import Model
from failsafe.tooling.recovery.steps import Step
from failsafe.tooling.recovery.stores.base import Cell, Status, Store
from failsafe.tooling.recovery.targets import check as check_targets
from failsafe.tooling.recovery.terms import Basis, Term, duration_text

OUTPUTS = ("text", "table", "json", "markdown")
WIDTH = 100
LEGEND = (
    "- unaffected; n/p not protected; n/a holds no data; UNK unknown; none: none promised;\n"
    ">X? at least X, then unknown; >X! at least X, then none promised (every term: --output text)"
)


def short(cell: Cell, what: str) -> str:
    if cell.status is Status.NOT_PROTECTED:
        return "n/p"
    if cell.status is Status.UNAFFECTED:
        return "-"
    if what == "rpo" and not cell.holds_data:
        return "n/a"
    bound = cell.rpo if what == "rpo" else cell.rto
    return bound.short() if bound is not None else "n/p"


def table(model: Model) -> str:
    """Store x disruption, RPO and RTO on two lines per store, at most 100 columns."""
    names = [s.id for s in model.stores] or ["(none)"]
    first = min(max(len(n) for n in names), WIDTH - 5 - 9 * len(model.disruptions))
    header = "STORE".ljust(first) + "     " + "".join(d.short.ljust(9) for d in model.disruptions)
    lines = [f"estate {model.estate} ({', '.join(model.stacks)}): worst-case RPO and RTO", header.rstrip()]
    for store in model.stores:
        label = store.id if len(store.id) <= first else store.id[: first - 1] + "~"
        for what, tag in (("rpo", "RPO "), ("rto", "RTO ")):
            cells = "".join(short(store.cell(d.id), what).ljust(9) for d in model.disruptions)
            lines.append(((label if what == "rpo" else "").ljust(first) + " " + tag + cells).rstrip())
    lines += ["", LEGEND]
    return "\n".join(lines)


def _term_line(term: Term) -> str:
    source = "; ".join(r.text() for r in term.reads)
    docs = "; ".join(f"{d.url} ({d.section})" for d in term.docs)
    extra = " | ".join(x for x in (term.note, source, docs) if x)
    return f"{term.text()}" + (f" -- {extra}" if extra else "")


def _step_line(step: Step) -> str:
    return f"{step.name}: {step.duration.text()} [{step.label()}]"


def text(model: Model) -> str:
    lines = [f"recovery model of estate {model.estate} ({', '.join(f'{s} ({r})' for s, r in model.stacks.items())})"]
    for store in model.stores:
        lines += ["", f"{store.id}: {store.title}"]
        for d in model.disruptions:
            cell = store.cell(d.id)
            if cell.status is not Status.PROTECTED:
                lines.append(f"  {d.title}: {cell.status.value}: {cell.reason}")
            else:
                lines.append(f"  {d.title}: RPO {cell.rpo_text()}, RTO {cell.rto_text()}: {cell.reason}")
                if cell.holds_data:
                    lines += [f"      rpo: {_term_line(t)}" for t in cell.rpo_terms]
                lines += [f"      rto: {_step_line(s)}" for s in cell.steps]
                if cell.window:
                    lines.append(f"      window: {cell.window.text()}")
            lines += [f"      note: {n}" for n in cell.notes]
        lines += [f"  costs: {c.name} ({c.url})" for c in store.costs]
    lines += ["", "steps:"]
    for step in model.steps.values():
        lines.append(f"  {step.id}: {_step_line(step)}")
        lines += [f"      {_term_line(t)}" for t in step.terms]
    lines += ["", *summary(model)]
    return "\n".join(lines)


def summary(model: Model) -> list[str]:
    missed = check_targets(model)
    found = [f"targets: {len(model.objectives.targets)} entries, {len(missed)} missed"]
    found += [f"  {m.line()}" for m in missed]
    if model.evidence:
        found.append(f"evidence: {len(model.evidence)} files measured steps")
    return found


def to_json(model: Model) -> str:
    document = model.to_dict()
    document["targets_missed"] = [m.line() for m in check_targets(model)]
    return json.dumps(document, indent=2, sort_keys=True, default=str)


# --- markdown --------------------------------------------------------------------------------------------------------


def md_cell(cell: Cell) -> str:
    if cell.status is Status.NOT_PROTECTED:
        return "**not protected**"
    if cell.status is Status.UNAFFECTED:
        return "unaffected"
    rpo = "n/a" if not cell.holds_data else cell.rpo_text()
    return f"RPO {rpo}<br>RTO {cell.rto_text()}"


def md_table(model: Model, stores: tuple[Store, ...] | None = None) -> str:
    rows = [
        "| store | " + " | ".join(d.title for d in model.disruptions) + " |",
        "|---|" + "---|" * len(model.disruptions),
    ]
    for store in stores if stores is not None else model.stores:
        rows.append(f"| `{store.id}` | " + " | ".join(md_cell(store.cell(d.id)) for d in model.disruptions) + " |")
    return "\n".join(rows)


def _gantt_label(text: str) -> str:
    return text.replace(":", " ").replace("#", " ").replace(";", ",")


def gantt(model: Model) -> str:
    """The recovery timeline of the worst disruption: the steps several stores share (declaring, rebuilding a stack)
    once, in order, then each store's own steps side by side after the last shared step it needs. A step without a
    bound is drawn red (``crit``) with its known part and named UNKNOWN or none promised."""
    worst = model.worst_disruption()
    paths = [
        (store, store.cell(worst.id).steps)
        for store in model.stores
        if store.cell(worst.id).status is Status.PROTECTED and store.cell(worst.id).steps
    ]
    uses: dict[str, int] = {}
    for _, steps in paths:
        for step in dict.fromkeys(steps):
            uses[step.id] = uses.get(step.id, 0) + 1
    shared = [s for s in dict.fromkeys(step for _, steps in paths for step in steps) if uses[s.id] > 1]
    lines = [
        "```mermaid",
        "gantt",
        f"  title Recovery after {worst.title} (estimated unless measured)",
        "  dateFormat HH:mm:ss",
        "  axisFormat %H:%M",
    ]
    tasks: dict[str, str] = {}

    def task(step: Step, after: str) -> str:
        name = f"t{len(tasks) + 1}"
        tasks[f"{step.id}#{name}"] = name
        start = f"after {after}" if after else "00:00:00"
        seconds = max(1, round(step.duration.minutes * 60))
        crit = "" if step.duration.bounded else "crit, "
        lines.append(f"  {_gantt_label(step.name + ' ' + step.duration.text())} :{crit}{name}, {start}, {seconds}s")
        return name

    shared_task: dict[str, str] = {}
    if shared:
        lines.append("  section shared steps")
        previous = ""
        for step in shared:
            previous = shared_task[step.id] = task(step, previous)
    for store, steps in paths:
        own = [s for s in steps if s.id not in shared_task]
        if not own:
            continue
        lines.append(f"  section {_gantt_label(store.id)}")
        needed = [shared_task[s.id] for s in shared if s in steps]
        previous = needed[-1] if needed else ""
        for step in own:
            previous = task(step, previous)
    lines.append("```")
    return "\n".join(lines)


def _md_term(term: Term) -> str:
    reads = "<br>".join(f"`{r.text()}`" for r in term.reads) or "-"
    docs = "<br>".join(f"[{d.section}]({d.url})" for d in term.docs) or "-"
    value = (
        "none promised"
        if term.basis is Basis.NONE_PROMISED
        else (duration_text(term.minutes) if term.minutes is not None else "UNKNOWN")
    )
    return f"| {term.name} | {value} | {term.basis.value} | {reads} | {docs} |"


def markdown(model: Model) -> str:
    worst = model.worst_disruption()
    parts = [
        f"## Recovery model: estate `{model.estate}`",
        "",
        "Worst-case RPO and RTO per store and disruption, from the plans of "
        + ", ".join(f"`{s}`" for s in model.stacks)
        + " (`python -m failsafe recovery`; every term below with where it was read and its source).",
        "",
        md_table(model),
        "",
        f"### Recovery timeline: {worst.title}",
        "",
        gantt(model),
        "",
        "### Terms",
    ]
    for store in model.stores:
        parts += ["", f"<details><summary><code>{store.id}</code>: {store.title}</summary>", ""]
        for d in model.disruptions:
            cell = store.cell(d.id)
            parts.append(f"**{d.title}**: {cell.status.value}: {cell.reason}")
            parts.append("")
            if cell.status is Status.PROTECTED:
                if cell.holds_data and cell.rpo_terms:
                    parts += ["| RPO term | value | basis | read from | source |", "|---|---|---|---|---|"]
                    parts += [_md_term(t) for t in cell.rpo_terms]
                    parts.append("")
                parts += [f"- {_step_line(s)}" for s in cell.steps]
                if cell.window:
                    parts.append(f"- window: {cell.window.text()}")
            parts += [f"- {n}" for n in cell.notes]
            parts.append("")
        parts += ["Costs (pricing dimensions, not prices):", ""]
        parts += [f"- {c.name} ([pricing]({c.url}))" for c in store.costs]
        parts += ["", "</details>"]
    parts += ["", *[f"{line}  " for line in summary(model)]]
    return "\n".join(parts) + "\n"


def render(model: Model, output: str) -> str:
    if output == "table":
        return table(model)
    if output == "json":
        return to_json(model)
    if output == "markdown":
        return markdown(model)
    return text(model)
