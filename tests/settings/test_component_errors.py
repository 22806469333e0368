"""Error text in config terms: a component refuses its arguments by their own names; the person reading the error
edits config keys, so the plan and the program say the key (``dnsRtoSeconds``), not the argument
(``rto_budget_seconds``), through one table (failsafe.settings.agreement.ARG_KEYS)."""

from __future__ import annotations

import dataclasses

import pytest

from failsafe.settings import agreement, stackfiles
from failsafe_components import (
    backup_account,
    ci_access,
    dns_failover,
    preview_function,
    recovery_functions,
    replicated_bucket,
)
from failsafe_components.errors import bad_arg

ARGS_CLASSES = {
    cls.__name__: cls
    for cls in (
        backup_account.BackupAccountArgs,
        ci_access.CiAccessArgs,
        dns_failover.DnsFailoverArgs,
        preview_function.PreviewFunctionArgs,
        recovery_functions.RecoveryFunctionsArgs,
        recovery_functions.ProdReadAccessArgs,
        replicated_bucket.ReplicatedBucketArgs,
    )
}


def test_every_mapped_argument_exists_and_every_key_is_declared():
    declared = set(stackfiles.declarations())
    for (cls, arg), key in agreement.ARG_KEYS.items():
        fields = {f.name for f in dataclasses.fields(ARGS_CLASSES[cls])}
        assert arg in fields, f"ARG_KEYS names {cls}.{arg}, which does not exist"
        assert key in declared, f"ARG_KEYS maps {cls}.{arg} to {key}, which Pulumi.yaml does not declare"


def test_the_rto_budget_error_names_dnsrtoseconds_and_the_keys_of_its_reasons():
    text = (
        "DnsFailoverArgs.rto_budget_seconds=120: cannot be met; worst case 150 s = interval_seconds 10 x "
        "failure_threshold 3 + propagation 60 + ttl_seconds 60, more than rto_budget_seconds 120; lower the "
        "interval, threshold or TTL, or raise the budget"
    )
    message = agreement.config_message(text, "prod")
    assert message.startswith("invalid config failsafe:dnsRtoSeconds = 120: ")
    assert "dnsHealthCheckInterval 10 x dnsHealthCheckThreshold 3" in message and "dnsTtl 60" in message
    assert (
        "Fix it in Pulumi.prod.yaml" in message and "(component argument DnsFailoverArgs.rto_budget_seconds)" in message
    )
    assert "\n" not in message


@pytest.mark.parametrize(("cls", "arg"), sorted(agreement.ARG_KEYS), ids=lambda v: v)
def test_each_argument_error_is_said_with_its_key(cls, arg):
    error = bad_arg(cls, arg, 5, "something valid")
    message = agreement.config_message(str(error))
    key = agreement.ARG_KEYS[cls, arg]
    assert message.startswith(f"invalid config failsafe:{key} = 5: expected something valid. Fix it in ")


def test_an_argument_no_key_feeds_is_left_as_the_component_said_it():
    text = "DnsFailoverArgs.hold_switch=None: expected a region"
    assert agreement.config_message(text) == text
