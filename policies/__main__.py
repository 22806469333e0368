"""Assembles the failsafe-guardrails pack; the rules live in failsafe_guardrails/rules.py."""

from failsafe_guardrails.rules import POLICIES
from pulumi_policy import PolicyPack

PolicyPack(name="failsafe-guardrails", policies=POLICIES)
