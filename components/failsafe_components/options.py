"""How the components read the resource options their caller gives them.

``protect`` is a resource option, never an argument: one knob, with Pulumi's own meaning. A component protects its
stateful children (buckets, keys, vaults: what holds recovery data or makes it readable) unless the caller says
otherwise: ``protect=False`` on the component turns that off (disposable stacks), ``protect=True`` protects every
child (Pulumi children inherit ``protect`` from their parent), and leaving it unset gives the safe default.
"""

from __future__ import annotations

import pulumi


def protects_state(opts: pulumi.ResourceOptions | None) -> bool:
    """True unless the caller set ``protect=False`` on the component."""
    return opts is None or opts.protect is None or bool(opts.protect)
