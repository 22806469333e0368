"""Offline IAM policy evaluation, split the way @cloud-copilot/iam-simulate splits it (``src/condition/<family>/``,
``src/core_engine/``): ``model`` (requests, decisions, three-valued truth), ``patterns`` (wildcards and policy
variables), ``principals`` (who a Principal element names), ``condition`` (one module per operator family, and
``operators`` around them), ``statements`` (policy documents compiled once), ``organizations`` (SCPs and RCPs) and
``engine`` (the decision). The public face is ``failsafe.tooling.access.evaluator``; this package's ``__init__``
imports nothing, so that its modules import one another without a cycle."""
