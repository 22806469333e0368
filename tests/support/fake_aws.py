"""A stand-in for the AWS CLI on ``PATH`` for the runbook's ``aws`` commands (the air-gapped vault's RAM share and
AWS Backup calls from the recovery account: moto has no RAM invitations between accounts, no logically air-gapped
vault and no restore jobs). It records each call's argv as a JSON line in ``$FAKE_AWS_LOG`` and refuses what the real
CLI would: a service or operation botocore's model does not have, a parameter that is not a member of the operation's
input shape, a required member left out, a ``file://`` that does not exist.

The mapping is the AWS CLI's own (aws/aws-cli ``awscli/clidriver.py``: operations and parameters are botocore's names
through ``botocore.xform_name`` with ``_`` as ``-``; booleans are bare flags, ``--no-<name>`` for false; global options
from ``awscli/data/cli.json``). It prints ``{}`` (an answer with nothing in it), or nothing with ``--query``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from botocore import xform_name
from botocore.loaders import Loader
from botocore.model import ServiceModel

GLOBAL = {"--region": True, "--profile": True, "--query": True, "--output": True, "--endpoint-url": True,
          "--no-paginate": False, "--no-verify-ssl": False, "--debug": False, "--no-cli-pager": False,
          "--cli-read-timeout": True, "--cli-connect-timeout": True, "--color": True, "--no-sign-request": False,
          "--ca-bundle": True, "--cli-input-json": True, "--generate-cli-skeleton": False}  # fmt: skip


def refuse(message: str) -> int:
    print(f"aws: error: {message}", file=sys.stderr)
    return 252  # the AWS CLI's exit code for a command line it cannot parse


def cli_name(name: str) -> str:
    cli: str = xform_name(name).replace("_", "-")
    return cli


def main(argv: list[str]) -> int:
    with open(os.environ["FAKE_AWS_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(argv) + "\n")
    if len(argv) < 2:
        return refuse("the following arguments are required: command, operation")
    service, operation, rest = argv[0], argv[1], argv[2:]
    # What botocore's Session.get_available_services and get_service_model do (botocore 1.44 session.py: the
    # loader's list_available_services and load_service_model of "service-2", then ServiceModel; the
    # service-data-loaded event they emit has no handler in botocore), without importing the session and client
    # machinery: a stub run is a process of its own, so its start-up counts once per command.
    loader = Loader()
    if service not in loader.list_available_services("service-2"):
        return refuse(f"argument command: Invalid choice: {service!r}")
    model = ServiceModel(loader.load_service_model(service, "service-2"), service_name=service)
    names = {cli_name(op): op for op in model.operation_names}
    if operation not in names:
        return refuse(f"argument operation: Invalid choice: {operation!r} (aws {service})")
    shape = model.operation_model(names[operation]).input_shape
    members = {cli_name(m): s for m, s in shape.members.items()} if shape else {}
    required = {cli_name(m) for m in shape.required_members} if shape else set()
    given: set[str] = set()
    while rest:
        word = rest.pop(0)
        if not word.startswith("--"):
            return refuse(f"unrecognized arguments: {word}")
        name = word[2:]
        if word in GLOBAL:
            if GLOBAL[word]:
                rest.pop(0)
            continue
        member = members.get(name) or (members.get(name[3:]) if name.startswith("no-") else None)
        if member is None:
            return refuse(f"unknown option {word} (aws {service} {operation} takes {sorted(members)})")
        given.add(name.removeprefix("no-") if name not in members else name)
        if member.type_name == "boolean":
            continue
        if not rest:
            return refuse(f"argument {word}: expected one argument")
        value = rest.pop(0)
        if value.startswith("file://") and not Path(value[7:]).is_file():
            return refuse(f"Error parsing parameter '{word}': Unable to load paramfile {value}")
    if required - given:
        return refuse(f"the following arguments are required: {', '.join('--' + r for r in sorted(required - given))}")
    if "--query" not in argv:
        print("{}")
    else:
        print("{}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
