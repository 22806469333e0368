"""Lambda: a function URL is a public HTTPS endpoint unless it requires AWS_IAM authorization (AWS Lambda Developer
Guide, "Control access to Lambda function URLs"). Preview stacks may serve a public URL by design."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity

from failsafe_guardrails.config import exempt, schema, stack_role
from failsafe_guardrails.props import UNKNOWN, prop

FUNCTION_URL_TYPE = "aws:lambda/functionUrl:FunctionUrl"


def _validate_function_url(args: Any, report: Any) -> None:
    if args.resource_type != FUNCTION_URL_TYPE or exempt(args, args.name, args.urn) or stack_role(args) == "preview":
        return
    auth = prop(args.props, "authorizationType")
    if auth is not UNKNOWN and str(auth or "").upper() == "NONE":
        report(f"FunctionUrl {args.name}: authorizationType NONE makes the function public.")


function_url_requires_auth = ResourceValidationPolicy(
    name="lambda-function-url-requires-auth",
    description="Lambda function URLs must use AWS_IAM authorization outside preview stacks.",
    validate=_validate_function_url,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Set authorizationType AWS_IAM on the aws.lambda.FunctionUrl and grant its callers "
    "lambda:InvokeFunctionUrl.",
)

POLICIES = [function_url_requires_auth]
