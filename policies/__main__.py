"""Assembles the failsafe-guardrails pack from failsafe_guardrails/catalog.py; constructing the PolicyPack starts
the analyzer server and blocks, so this is the only place that does it."""

import gc

from pulumi_policy import PolicyPack

from failsafe_guardrails.catalog import POLICIES

# AnalyzeStack builds every resource's property proxies once per stack policy. With CPython's default collector
# thresholds the growing heap is rescanned so often that time per resource rises with stack size; fewer, larger
# collections keep it flat (bench/policy_bench.py prints both). Startup objects are frozen out of the scans.
gc.freeze()
gc.set_threshold(100_000, 50, 1000)

PolicyPack(name="failsafe-guardrails", policies=POLICIES)
