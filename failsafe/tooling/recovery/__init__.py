"""The estate's recovery numbers, computed from the plans: for every store the estate protects and every disruption,
the worst-case RPO and the recovery path with its RTO, each term with where it was read and the published figure it
uses; estimated, or measured from failsafe's own evidence; checked against the owner's targets. docs/recovery.md.

Modules: :mod:`.terms` (terms, bounds, provenance), :mod:`.figures` (every published figure and pricing page),
:mod:`.schedules` (longest gap of a schedule), :mod:`.estate` (the plans and workflows read), :mod:`.disruptions` and
:mod:`.stores` (the registries), :mod:`.steps` (recovery steps, estimates and measurements), :mod:`.model` (the
store x disruption table), :mod:`.targets`, :mod:`.render`, :mod:`.diff`, :mod:`.sources` (the README and runbook
figures the model produces).
"""
