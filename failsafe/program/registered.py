"""What the program declares, seen from inside it: the name and URN of every resource it registers.

The policy pack matches a ``policyExemptions`` entry against a resource's name or URN
(failsafe_guardrails.config.exempt), so an entry naming neither exempts nothing. The program is the one place that
knows every resource under ``pulumi preview`` and ``pulumi up`` as well as under the credential-free plan (which runs
this same program), so it refuses such an entry itself, once it has declared everything
(:func:`failsafe.settings.exemptions.unplanned`).

A stack transformation sees each resource as it is constructed, before registration, with its type, name and parent:
enough for the URN the engine will give it, ``urn:pulumi:<stack>::<project>::<parent's qualified type>$<type>::<name>``,
the root stack's type left out (pulumi/pulumi ``pkg/resource/deploy/deployment.go`` at 720a90c6, ``generateURN``).
tests/program/test_exemptions.py compares these with the credential-free plan's URNs (failsafe/tooling/harness.py
makes them by the same rule).
"""

from __future__ import annotations

from typing import Any

import pulumi

from failsafe.settings import exemptions
from failsafe.settings.config import StackConfig

STACK_TYPE = "pulumi:pulumi:Stack"


class Declared:
    """Every resource constructed after :meth:`start`, as (name, URN), in construction order."""

    def __init__(self, stack: str, project: str) -> None:
        self.stack = stack
        self.project = project
        self.resources: list[tuple[str, str]] = []
        self._qualified: dict[int, tuple[pulumi.Resource, str]] = {}  # id -> (the resource, kept alive; its type path)

    @classmethod
    def start(cls) -> Declared:
        """Begin recording; call before the program constructs its first resource."""
        declared = cls(pulumi.get_stack(), pulumi.get_project())
        pulumi.runtime.register_stack_transformation(declared._see)
        return declared

    def _see(self, args: pulumi.ResourceTransformationArgs) -> Any:
        parent = args.opts.parent if args.opts is not None else None
        known = self._qualified.get(id(parent)) if parent is not None else None
        qualified = f"{known[1]}${args.type_}" if known is not None else args.type_
        self._qualified[id(args.resource)] = (args.resource, qualified)
        if args.type_ != STACK_TYPE:
            self.resources.append((args.name, f"urn:pulumi:{self.stack}::{self.project}::{qualified}::{args.name}"))
        return None  # observe only: no property or option changes

    def refuse_unplanned_exemptions(self, cfg: StackConfig) -> None:
        """Raise ``pulumi.RunError`` (one line, no traceback) for the first policyExemptions entry that names no
        resource this program declared."""
        error = exemptions.unplanned(cfg.policy_exemptions, self.resources)
        if error is not None:
            raise pulumi.RunError(str(error.in_stack(cfg.stack)))
