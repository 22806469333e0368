"""The credential-free policy gate: plan the stack, run failsafe-guardrails over it through the analyzer protocol
with the stack's generated config, print violations grouped by resource with remediation; then prove the stack's
access paths (failsafe/tooling/access: what AWS would allow or refuse, evaluated over the same plan) and print each
path that does not hold. Exit 1 on any mandatory violation or any access path that is failing or unknown, 0
otherwise (2 when the stack cannot be planned)."""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from failsafe.settings import estate, stackfiles
from failsafe.settings.config import ConfigError, Role
from failsafe.tooling import air_gap_check, analyzer, literals, planning, policyconfig, quotas, sarif, secretscheck
from failsafe.tooling.access import perimeter, proofs
from failsafe.tooling.analyzer import LEVEL_NAMES
from failsafe.tooling.planning import PlanError
from failsafe.tooling.recovery import targets as recovery_targets
from failsafe.tooling.recovery.model import ModelError

PERIMETER = "backup-account-perimeter"
PERIMETER_REMEDIATION = (
    "Deploy the org stack (role org) with its OrganizationPolicies: the perimeter RCP and the guard SCP attached to "
    "the backup account (README 'Many accounts'; docs/organization.md)."
)

_planned: dict[str, Any] = {}  # the plans of one `check`, so the access proofs reuse the plan the pack analysed


def _plan(stack: str) -> Any:
    if stack not in _planned:
        _planned[stack] = planning.plan_stack(stack)
    return _planned[stack]


def run(stack: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Violations (dicts) of ``stack``'s plan and the policies' remediation steps by name."""
    raw, cfg = planning.stack_config(stack)
    violations, remediation = analyze_plan(_plan(stack), policyconfig.generate(cfg), raw_config=raw)
    violations += [found.as_violation() for found in literals.scan(stackfiles.ROOT, cfg.named_accounts())]
    violations += [found.as_violation() for found in secretscheck.findings(stack, cfg)]
    remediation[secretscheck.POLICY] = "docs/runbook.md, 'Stack secrets that survive prod'."
    remediation[literals.POLICY] = (
        "Read the account from stack config (or from a resource's output) instead of writing it in code; "
        "docs/policies.md, 'Account IDs in the source'."
    )
    return violations, remediation


def org_stack(stack: str) -> str | None:
    """The estate's org stack when ``stack``'s config names an organization (its SCPs and RCPs are then in force in
    the proofs); None otherwise."""
    cfg = planning.stack_config(stack)[1]
    if cfg.role is Role.PROD and cfg.dr_stack_name:  # the organization is stated in dr's config
        cfg = planning.stack_config(cfg.dr_stack_name.rsplit("/", 1)[-1])[1]
    if cfg.fleet is None or cfg.fleet.organization is None:
        return None
    try:
        found = estate.one(estate.stacks(stackfiles.ROOT), "org")
    except estate.EstateError as error:
        raise PlanError(str(error)) from None
    return found.name if found else None


def access(stack: str) -> list[proofs.Outcome]:
    """The access proofs of ``stack`` (prod's need dr's plan too: its replica buckets and key are dr's), with the
    organization's SCPs and RCPs in force when the estate has an org stack."""
    return proofs.prove_stack(stack, _plan, org_stack=org_stack(stack))


def perimeter_check(stack: str) -> list[str]:
    """Issue 25 item 4, for dr and org: with an organization configured, the backup account's RCP/SCP perimeter must be
    in the org plan (:func:`failsafe.tooling.access.perimeter.perimeter_problems`)."""
    cfg = planning.stack_config(stack)[1]
    if cfg.role not in (Role.DR, Role.ORG) or cfg.fleet is None or cfg.fleet.organization is None:
        return []
    dr = stack
    if cfg.role is Role.ORG:
        try:
            found = estate.one(estate.stacks(stackfiles.ROOT), "dr")
        except estate.EstateError as error:
            raise PlanError(str(error)) from None
        if found is None:
            return []
        dr = found.name
    org = org_stack(stack)
    return perimeter.perimeter_problems(planning.stack_config(dr)[1], _plan(org) if org else None, org)


def analyze_plan(
    plan: Any, config: dict[str, Any], client: analyzer.Analyzer | None = None, raw_config: dict[str, str] | None = None
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """``raw_config``: the stack's namespaced config, which the CLI hands the pack in PULUMI_CONFIG."""
    own = client is None
    client = client or analyzer.Analyzer(plan.project, plan.stack, config=raw_config)
    try:
        client.configure(config)
        remediation = {p.name: p.remediation_steps for p in client.info().policies}
        diagnostics = []  # (diagnostic, urn): Analyze leaves a diagnostic's urn empty, it is the request's
        known = analyzer.providers(plan)
        for r in plan.resources:
            diagnostics += [(d, d.urn or r.urn) for d in client.analyze(analyzer.analyze_request(plan, r, known))]
        diagnostics += [(d, d.urn) for d in client.analyze_stack(analyzer.stack_resources(plan, known))]
    finally:
        if own:
            client.close()
    violations = [
        {
            "policy": d.policyName,
            "urn": urn,
            "message": _message(d),
            "enforcementLevel": LEVEL_NAMES.get(d.enforcementLevel, str(d.enforcementLevel)),
        }
        for d, urn in diagnostics
    ]
    return violations, remediation


def _message(diagnostic: Any) -> str:
    """The violation's own message: the SDK prefixes it with the policy's description and a newline."""
    prefix, message = f"{diagnostic.description}\n", str(diagnostic.message)
    return message[len(prefix) :] if message.startswith(prefix) else message


def check(stack: str, json_output: bool) -> int:
    started = time.monotonic()
    _planned.clear()
    try:
        violations, remediation = run(stack)
        outcomes = access(stack)
        missing_perimeter = perimeter_check(stack)
        warned = air_gap_check.stack_warnings(planning.stack_config(stack)[1], _plan)  # advisory: never exit 1
        missed = recovery_targets.check_stack(stack, _plan)  # recoveryTargets against the recovery model (prod)
        measured = [m.line() for m in quotas.largest({stack: _plan(stack)}).values()]  # the pack's quotas, measured
    except (PlanError, ConfigError, ModelError) as error:
        print(f"{stack}: cannot plan: {error}", file=sys.stderr)
        return 2
    except ValueError as error:  # a policy document in the plan that is no policy: AWS would refuse it too
        print(f"{stack}: cannot prove access: {error}", file=sys.stderr)
        return 1
    finally:
        _planned.clear()
    omissions = planning.stack_config(stack)[1].omissions()
    open_paths = [o for o in outcomes if o.status != proofs.PROVEN]
    violations += [
        {"policy": PERIMETER, "urn": "", "message": problem, "enforcementLevel": "mandatory"}
        for problem in missing_perimeter
    ]
    remediation.setdefault(PERIMETER, PERIMETER_REMEDIATION)
    mandatory = [v for v in violations if v["enforcementLevel"] == "mandatory"]
    if json_output:
        print(
            json.dumps(
                {
                    "stack": stack,
                    "mandatory": len(mandatory),
                    "violations": violations,
                    "remediation": {v["policy"]: remediation.get(v["policy"], "") for v in violations},
                    "access": proofs.summary(outcomes),
                    "omitted": list(omissions),
                    "recovery": {"missed": missed},
                    "quotas": measured,
                    "warnings": warned,
                },
                indent=2,
                sort_keys=True,
            )
        )
    else:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for v in violations:
            grouped[v["urn"] or v.get("location", "") or "(stack)"].append(v)
        for urn, items in sorted(grouped.items()):
            print(urn.rsplit("::", 1)[-1] or urn)
            for v in items:
                print(f"  [{v['enforcementLevel']}] {v['policy']}: {v['message']}")
                print(f"      remediation: {remediation.get(v['policy'], '')}")
        if open_paths:
            print("access paths that do not hold (failsafe/tooling/access/catalogue.py; docs/access-proofs.md):")
            for outcome in open_paths:
                print(f"  {outcome.sentence()}")
                print(f"      see: {outcome.entry.doc}")
        for omission in omissions:
            print(f"{stack}: omitted: {omission}")
        for line in measured:  # the largest document or count of each quota (failsafe_guardrails.limits)
            print(f"measured: {line}")
        if missed:
            print("recovery targets missed (recoveryTargets; docs/recovery.md):")
            for line in missed:
                print(f"  {line}")
        for warning in warned:
            print(f"warning: {warning}")
        counts = proofs.summary(outcomes)
        print(
            f"{stack}: {len(mandatory)} mandatory, {len(violations) - len(mandatory)} advisory violation(s); "
            f"access: {counts[proofs.PROVEN]} proven, {counts[proofs.FAILING]} failing, "
            f"{counts[proofs.UNKNOWN]} unknown; recovery: {len(missed)} target(s) missed "
            f"({time.monotonic() - started:.1f} s)"
        )
    return 1 if mandatory or open_paths or missed else 0


def check_with_sarif(stack: str, json_output: bool, path: Path) -> int:
    """``check`` that also writes SARIF to ``path`` (what ``python -m failsafe check --sarif FILE`` calls).

    Runs the gate once with JSON output, writes the SARIF, then prints the JSON or a short summary."""
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        code = check(stack, json_output=True)
    try:
        report = json.loads(captured.getvalue())
    except json.JSONDecodeError:
        sarif.write(sarif.failed_run(stack, f"check exited {code} without a report (see its error output)"), path)
        print(captured.getvalue(), end="")
        return code
    sarif.write(sarif.to_sarif(report), path)
    print(json.dumps(report, indent=2, sort_keys=True) if json_output else sarif.summary(report))
    return code
