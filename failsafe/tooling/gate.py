"""The credential-free policy gate: plan the stack, run failsafe-guardrails over it through the analyzer protocol
with the stack's generated config, print violations grouped by resource with remediation. Exit 1 on any mandatory
violation, 0 otherwise (2 when the stack cannot be planned)."""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from typing import Any

from failsafe.tooling import analyzer, policyconfig
from failsafe.tooling.analyzer import LEVEL_NAMES


def run(stack: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Violations (dicts) of ``stack``'s plan and the policies' remediation steps by name."""
    from failsafe.tooling.cli import plan_stack, stack_config

    raw, cfg = stack_config(stack)
    plan = plan_stack(stack)
    return analyze_plan(plan, policyconfig.generate(cfg), raw_config=raw)


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
        for r in plan.resources:
            diagnostics += [(d, d.urn or r.urn) for d in client.analyze(analyzer.analyze_request(plan, r))]
        diagnostics += [(d, d.urn) for d in client.analyze_stack(analyzer.stack_resources(plan))]
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
    prefix = f"{diagnostic.description}\n"
    return diagnostic.message[len(prefix) :] if diagnostic.message.startswith(prefix) else diagnostic.message


def check(stack: str, json_output: bool) -> int:
    from failsafe.settings.config import ConfigError
    from failsafe.tooling.cli import PlanError

    started = time.monotonic()
    try:
        violations, remediation = run(stack)
    except (PlanError, ConfigError) as error:  # ConfigError: policyExemptions names no policy of the pack
        print(f"{stack}: cannot plan: {error}", file=sys.stderr)
        return 2
    mandatory = [v for v in violations if v["enforcementLevel"] == "mandatory"]
    if json_output:
        print(
            json.dumps(
                {
                    "stack": stack,
                    "mandatory": len(mandatory),
                    "violations": violations,
                    "remediation": {v["policy"]: remediation.get(v["policy"], "") for v in violations},
                },
                indent=2,
                sort_keys=True,
            )
        )
    else:
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for v in violations:
            grouped[v["urn"] or "(stack)"].append(v)
        for urn, items in sorted(grouped.items()):
            print(urn.rsplit("::", 1)[-1] or urn)
            for v in items:
                print(f"  [{v['enforcementLevel']}] {v['policy']}: {v['message']}")
                print(f"      remediation: {remediation.get(v['policy'], '')}")
        print(
            f"{stack}: {len(mandatory)} mandatory, {len(violations) - len(mandatory)} advisory violation(s) "
            f"({time.monotonic() - started:.1f} s)"
        )
    return 1 if mandatory else 0
