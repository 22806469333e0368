"""``failsafe-dr restore``: get data back out of the backup account (issue 17, the operator side).

- ``restore s3``: the replica bucket's object versions as of a point in time, copied into a target bucket
  (CopyObject in parallel, or an S3 Batch Operations job for large sets); resumable through a state file,
  verified object by object, with a summary table.
- ``restore params``: the params copier's SSM parameters and secrets, put back into a target account/region.
- ``restore snapshot``: an RDS instance/cluster or EBS volume from a copier copy, or the copy re-encrypted and
  shared with a target account.
- ``restore recovery-point``: an AWS Backup restore job from a recovery point, optionally waited for.
- ``restore tests``: the latest AWS Backup restore tests of the dr restore testing plan, against the RTO.

With ``--drill-dir``, an executed restore is recorded as a step of the drill in progress, timed by the command.

Every command is a dry run unless ``--execute``: it prints what it would do and changes nothing. Exit codes are
failsafe-dr's (:mod:`failsafe.ops.errors`): 0 done; 1 some items failed or a waited-for resource ended badly;
2 bad input (one line naming the flag, the value and what was expected); 3 AWS refused (access denied names the
IAM action and the resource). See docs/restore.md for the API calls and IAM actions of each command.

The modules, one job each: :mod:`.common` (input checks, sessions, waiting, the drill timer), :mod:`.planning`
(which version of each key), :mod:`.state` (the resumable state file), :mod:`.copying` (copy and verify, S3 Batch
Operations), and one per subcommand: :mod:`.s3`, :mod:`.params`, :mod:`.snapshot`, :mod:`.recovery_point`,
:mod:`.testing`; :mod:`.command` puts them on the command line. This package imports nothing itself.
"""
