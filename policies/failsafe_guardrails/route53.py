"""Route 53: a PRIMARY failover record fails over only when a health check reports it unhealthy (Route 53 Developer
Guide, "Configuring DNS failover"); without one, Route 53 treats the primary as always healthy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity

from failsafe_guardrails.config import exempt, schema
from failsafe_guardrails.props import UNKNOWN, as_list, prop

RECORD_TYPE = "aws:route53/record:Record"


def _validate_failover_health_check(args: Any, report: Any) -> None:
    if args.resource_type != RECORD_TYPE or exempt(args, args.name, args.urn):
        return
    policies = as_list(prop(args.props, "failoverRoutingPolicies"))
    primary = any(isinstance(p, Mapping) and str(p.get("type")).upper() == "PRIMARY" for p in policies)
    health_check = prop(args.props, "healthCheckId")  # unknown at preview: the health check exists, its ID does not
    if primary and health_check is not UNKNOWN and not health_check:
        report(f"Record {args.name}: PRIMARY failover record without a health check never fails over.")


primary_failover_health_check = ResourceValidationPolicy(
    name="route53-primary-failover-health-check",
    description="A PRIMARY failover record must have a health check, or Route 53 never fails over.",
    validate=_validate_failover_health_check,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Create an aws.route53.HealthCheck for the primary endpoint and set healthCheckId on the "
    "PRIMARY record.",
)

POLICIES = [primary_failover_health_check]
