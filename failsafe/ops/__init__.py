"""Operations for failsafe: code that runs in AWS or against it. boto3 + stdlib only (no pulumi, no yaml),
because the Lambda handlers ship as code and the operator CLI must run on a bare recovery laptop.

- :mod:`failsafe.ops.aws`     sessions, clients (botocore's standard retries), paginators: how everything here talks
  to AWS. :mod:`failsafe.ops.errors` the errors and the one map to exit codes.
- :mod:`failsafe.ops.copier`  Lambda: copies snapshots and AMIs that prod shares into backup-owned copies.
- :mod:`failsafe.ops.params`  Lambda: copies SSM parameters and secrets from prod through a read-only role.
- :mod:`failsafe.ops.archive` stores ``pulumi stack export`` documents in the archive bucket, and fetches them back.
- :mod:`failsafe.ops.verify`  read-only checks of the live estate against config and the RPO/RTO.
- :mod:`failsafe.ops.drill`   the game-day log and its report.
- :mod:`failsafe.ops.capture` (package) inventories the accounts; what no stack manages becomes ``pulumi import``
  files.
- :mod:`failsafe.ops.restore` (package) the way back: S3 as of a time, snapshots, parameters, recovery points,
  restore tests.
- :mod:`failsafe.ops.backfill` S3 Batch Replication of objects that predate replication.
- :mod:`failsafe.ops.dns`     the DNS traffic switch (hold on DR, release) by data-plane calls only.
- :mod:`failsafe.ops.reaper`  CI: destroys preview stacks whose pull request is gone.
- :mod:`failsafe.ops.cli`     ``failsafe-dr`` / ``python -m failsafe.ops``, with :mod:`.options` (the command-line
  conventions), :mod:`.output` (table, text, json), :mod:`.progress` (stderr) and :mod:`.stackconfig` (config and
  outputs, the one door to failsafe.settings).
"""

from __future__ import annotations

from pathlib import Path

# What the recovery Lambdas need, and nothing else: the handlers and their two helpers.
LAMBDA_MODULES = ("errors", "aws", "copier", "params")
COPIER_HANDLER = "failsafe.ops.copier.handler"
PARAMS_HANDLER = "failsafe.ops.params.handler"


def lambda_files() -> dict[str, str]:
    """The Lambda bundle as {path inside the zip: path on disk}, read from wherever this package is installed.

    Only named ``.py`` files: packing the directory would also pack ``__pycache__/`` and the operator tools, and
    redeploy the functions whenever someone ran the tests.
    """
    here = Path(__file__).resolve().parent
    files = {"failsafe/__init__.py": here.parent / "__init__.py", "failsafe/ops/__init__.py": here / "__init__.py"}
    files.update({f"failsafe/ops/{module}.py": here / f"{module}.py" for module in LAMBDA_MODULES})
    return {name: str(path) for name, path in files.items()}
