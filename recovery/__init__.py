"""Recovery operations for failsafe: boto3 + stdlib only, because this package ships as Lambda code.

- :mod:`recovery.copier`  Lambda: copies snapshots and AMIs that prod shares into backup-owned copies.
- :mod:`recovery.params`  Lambda: copies SSM parameters and secrets from prod through a read-only role.
- :mod:`recovery.archive` stores ``pulumi stack export`` documents in the archive bucket, and fetches them back.
- :mod:`recovery.verify`  read-only checks of the live estate against config and the RPO/RTO.
- :mod:`recovery.drill`   the game-day log and its report.
- :mod:`recovery.cli`     ``python -m recovery`` / ``bin/failsafe-dr``.
"""
