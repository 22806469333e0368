"""`python -m failsafe check <stack> --json` as SARIF 2.1.0, so GitHub code scanning shows the findings on a PR.

Policy violations are about resources, not lines; a finding is placed where a person would fix it: the component
that creates the resource (``components/failsafe_components/<component>.py`` at its ``class`` line), or
``__main__.py`` for resources outside a component, and a failing access path at its entry in
``failsafe/tooling/access/catalogue.py``. The URN travels along as the logical location and in the message, and a
fingerprint of stack, policy and URN lets code scanning follow one finding across pushes.

    python -m failsafe check prod --json > check.json; python -m failsafe.tooling.sarif check.json --out check.sarif

A converter only: it imports nothing of the gate (``check --sarif`` is failsafe.tooling.gate.check_with_sarif).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL = "failsafe-check"
ROOT = Path(__file__).resolve().parents[2]
COMPONENTS = Path("components/failsafe_components")
CATALOGUE = Path("failsafe/tooling/access/catalogue.py")
PROGRAM = Path("__main__.py")
LEVELS = {"mandatory": "error", "advisory": "warning", "remediate": "warning", "disabled": "note"}
ACCESS_LEVELS = {"failing": "error", "unknown": "warning"}  # proven paths are not findings


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _line_of(root: Path, path: Path, pattern: str) -> int:
    try:
        lines = (root / path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return 1
    return next((n for n, line in enumerate(lines, 1) if pattern in line), 1)


def _resource_location(urn: str, root: Path) -> tuple[Path, int]:
    """The component file (and its class line) that creates the resource of ``urn``; else the program."""
    # urn:pulumi:<stack>::<project>::<parent types joined by $>::<name>
    parts = urn.split("::")
    types = parts[2].split("$") if len(parts) >= 4 else []
    for type_ in types:
        match = re.fullmatch(r"failsafe:index:(\w+)", type_)
        if match:
            path = COMPONENTS / f"{_snake(match.group(1))}.py"
            if (root / path).is_file():
                return path, _line_of(root, path, f"class {match.group(1)}(")
    return PROGRAM, 1


def _physical(path: Path, line: int) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": path.as_posix(), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": line},
        }
    }


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _text(value: object) -> str:
    return str(value) if value not in (None, "") else ""


def to_sarif(report: dict[str, Any], root: Path = ROOT) -> dict[str, Any]:
    """One SARIF run: a rule per policy (and per access-path entry), a result per violation and per access path that
    does not hold. Unknown enforcement levels map to ``warning``; nothing in the report is dropped."""
    stack = _text(report.get("stack")) or "unknown"
    remediation: dict[str, str] = report.get("remediation") or {}
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []

    for violation in report.get("violations") or []:
        policy = _text(violation.get("policy")) or "unnamed-policy"
        urn = _text(violation.get("urn"))
        level = LEVELS.get(_text(violation.get("enforcementLevel")), "warning")
        help_text = _text(remediation.get(policy)) or "See docs/policies.md."
        rules.setdefault(
            policy,
            {
                "id": policy,
                "name": policy,
                "shortDescription": {"text": policy.replace("-", " ")},
                "help": {"text": help_text},
                "defaultConfiguration": {"level": level},
                "properties": {"tags": ["failsafe", "policy"]},
            },
        )
        source = _text(violation.get("location"))  # a finding in the source (file:line), not in the plan
        name = urn.rsplit("::", 1)[-1] if urn else source or "(stack)"
        if source:
            file, _, number = source.rpartition(":")
            path, line = Path(file), int(number) if number.isdigit() else 1
        else:
            path, line = _resource_location(urn, root) if urn else (PROGRAM, 1)
        location = _physical(path, line)
        if urn:
            location["logicalLocations"] = [{"name": name, "fullyQualifiedName": urn, "kind": "resource"}]
        results.append(
            {
                "ruleId": policy,
                "level": level,
                "message": {"text": f"{stack}: {name}: {_text(violation.get('message'))} ({urn or 'the stack'})"},
                "locations": [location],
                "partialFingerprints": {"failsafeFinding/v1": _fingerprint(stack, policy, urn or source)},
                "properties": {"stack": stack, "enforcementLevel": _text(violation.get("enforcementLevel"))},
            }
        )

    for path_ in (report.get("access") or {}).get("paths") or []:
        status = _text(path_.get("status"))
        if status not in ACCESS_LEVELS:
            continue
        entry = _text(path_.get("id")) or "unnamed-path"
        rule = f"access/{entry}"
        rules.setdefault(
            rule,
            {
                "id": rule,
                "name": entry,
                "shortDescription": {"text": f"access path {entry} ({_text(path_.get('expect'))})"},
                "help": {"text": f"See {_text(path_.get('doc')) or 'docs/access-proofs.md'}."},
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": ["failsafe", "access"]},
            },
        )
        verb = "may or may not" if status == "unknown" else ("can" if path_.get("decision") == "allow" else "cannot")
        message = (
            f"{stack}: [{_text(path_.get('expect'))}] {entry}: {_text(path_.get('who'))} {verb} "
            f"{_text(path_.get('action'))} on {_text(path_.get('resource'))}: {_text(path_.get('reason'))}"
        )
        results.append(
            {
                "ruleId": rule,
                "level": ACCESS_LEVELS[status],
                "message": {"text": message},
                "locations": [_physical(CATALOGUE, _line_of(root, CATALOGUE, f'"{entry}"'))],
                "partialFingerprints": {
                    "failsafeFinding/v1": _fingerprint(
                        stack, rule, _text(path_.get("action")), _text(path_.get("resource"))
                    )
                },
                "properties": {"stack": stack, "status": status},
            }
        )

    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL,
                        "informationUri": "https://github.com/pulumi/pulumi-policy",
                        "rules": list(rules.values()),
                    }
                },
                "automationDetails": {"id": f"{TOOL}/{stack}/"},
                "results": results,
            }
        ],
    }


def failed_run(stack: str, detail: str) -> dict[str, Any]:
    """A run that could not produce a report (the stack did not plan): no results, and why, for code scanning."""
    sarif = to_sarif({"stack": stack})
    sarif["runs"][0]["invocations"] = [
        {
            "executionSuccessful": False,
            "toolExecutionNotifications": [{"level": "error", "message": {"text": detail or "check failed"}}],
        }
    ]
    return sarif


def write(sarif: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(sarif, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def summary(report: dict[str, Any]) -> str:
    """A few lines for a log: each finding, then the counts."""
    sarif = to_sarif(report)
    lines = [f"[{r['level']}] {r['ruleId']}: {r['message']['text']}" for r in sarif["runs"][0]["results"]]
    access = report.get("access") or {}
    lines.append(
        f"{report.get('stack', '?')}: {report.get('mandatory', 0)} mandatory, {len(report.get('violations') or [])} "
        f"violation(s) in all; access: {access.get('proven', 0)} proven, {access.get('failing', 0)} failing, "
        f"{access.get('unknown', 0)} unknown"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m failsafe.tooling.sarif", description=__doc__.split("\n\n")[0])
    parser.add_argument("report", help="the output of `python -m failsafe check <stack> --json`")
    parser.add_argument("--out", required=True, help="the SARIF file to write")
    parser.add_argument("--stack", default="unknown", help="names the stack when the report is empty or unreadable")
    args = parser.parse_args(argv)
    try:
        report = json.loads(Path(args.report).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        write(failed_run(args.stack, f"no readable report in {args.report}: {error}"), Path(args.out))
        print(f"{args.report}: no readable check report ({error}); wrote a failed run to {args.out}", file=sys.stderr)
        return 0  # the check step's own exit code carries the failure
    write(to_sarif(report), Path(args.out))
    print(summary(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
