"""failsafe: the Pulumi program (:mod:`failsafe.program`), its credential-free tooling (:mod:`failsafe.tooling`) and
the operations code (:mod:`failsafe.ops`). The component library is :mod:`failsafe_components`.

Deliberately empty: the Lambda bundle ships this file, and ``failsafe.ops`` must import without pulumi.
"""
