"""Plan a stack without credentials: its config read as the Pulumi CLI reads it, and the real program run under the
mock runtime (failsafe/tooling/harness.py), a prod stack after the dr stack it reads.

The one planning entry point of the tooling. The command line (failsafe/tooling/cli.py), the policy gate
(failsafe/tooling/gate.py) and the access proofs (failsafe/tooling/access/proofs.py) import it; it imports none of
them, so the gate and the proofs never load the argparse front end (tests/architecture/test_import_contract.py holds
the modules to no cycle).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from failsafe.settings import agreement, stackfiles
from failsafe.settings.config import ConfigError, Role, StackConfig, load_mapping
from failsafe.tooling import harness


class PlanError(Exception):
    """The stack cannot be planned; the message is for a person (no traceback)."""


def stack_config(stack: str, overrides: dict[str, Any] | None = None) -> tuple[dict[str, str], StackConfig]:
    """The stack's namespaced raw config (what the CLI hands the program) and the validated config.

    Read once per content of the project's stack files: reading them costs about 0.1 s, and one ``check prod``
    asks for the same stack's config several times (gate, plan, proofs)."""
    key = json.dumps(overrides or {}, sort_keys=True, default=str)
    raw, cfg = _stack_config(stack, key, _files_fingerprint())
    return dict(raw), cfg


def _files_fingerprint() -> tuple[tuple[str, int, int], ...]:
    """Name, modification time and size of every stack file: an edit between two reads is never missed."""
    stats = ((p.name, p.stat()) for p in sorted(stackfiles.ROOT.glob("Pulumi*.yaml")))
    return tuple((name, stat.st_mtime_ns, stat.st_size) for name, stat in stats)


@functools.lru_cache(maxsize=256)
def _stack_config(
    stack: str, overrides: str, files: tuple[tuple[str, int, int], ...]
) -> tuple[dict[str, str], StackConfig]:
    try:
        raw = stackfiles.raw_config(stack, overrides=json.loads(overrides) or None)
        return raw, load_mapping(stack, stackfiles.unnamespaced(raw))
    except ConfigError as error:  # with the file, line and the value as written where the CLI changed it
        given = json.loads(overrides) or {}
        if any(key.rpartition(":")[2] == error.key for key in given):  # a what-if (--set), not a file's value
            raise PlanError(str(error)) from None
        raise PlanError(str(stackfiles.annotate(error, stack))) from None
    except stackfiles.StackFileError as error:
        raise PlanError(str(error)) from None


def plan_stack(stack: str, overrides: dict[str, Any] | None = None, preview: bool = False) -> harness.Plan:
    """Plan ``stack``; a prod stack's dr stack is planned first and its outputs feed the StackReference.

    ``preview=True``: the stack's own new resources have unknown computed values (a first ``pulumi preview``); the
    dr stack it reads is deployed by then, so its outputs stay known."""
    return _plan(stack, overrides, preview)[0]


def _plan(stack: str, overrides: dict[str, Any] | None, preview: bool) -> tuple[harness.Plan, StackConfig]:
    raw, cfg = stack_config(stack, overrides)
    references: dict[str, Any] = {}
    if cfg.role is Role.PROD and cfg.dr_stack_name:
        try:  # the dr -> prod order as a graph: a stack that reads itself, or any cycle, is refused
            order = stackfiles.stack_order(stack, overrides=overrides)
        except (ConfigError, stackfiles.StackFileError) as error:
            raise PlanError(str(error)) from None
        dr_stack = order[-2]
        dr_plan, dr_cfg = _plan(dr_stack, overrides, False)  # a what-if applies to the estate, so to dr as well
        if dr_plan.error:
            raise PlanError(f"planning {dr_stack} (read by {stack} through {cfg.dr_stack_name}): {dr_plan.error}")
        disagreement = agreement.dr_disagreement(cfg, dr_plan.outputs, dr_cfg.written)  # dr's exports vs prod's view
        if disagreement is not None:
            raise PlanError(str(disagreement.in_stack(stack)))
        references[cfg.dr_stack_name] = dr_plan.outputs
    plan = harness.run_program(stack, raw, references, preview=preview)
    if plan.error:  # component args named as config keys, with the values as written
        raise PlanError(agreement.config_message(plan.error, stack, cfg.written))
    return plan, cfg
