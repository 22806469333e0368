"""Configuration capture: every resource of an account, per service, with the unmanaged ones as a Pulumi import file.

State exports (:mod:`failsafe.ops.archive`) protect what is already code. What takes longest to rebuild after a
disaster is everything else: the bucket, role, queue or DNS record someone made by hand or with another tool.
A capture lists the account's resources per service and region (read-only calls only), matches each against the
resources of the stacks' newest archived exports, and writes the ones no stack manages as a ``pulumi import
--file`` document; CI turns each document into Python code (``pulumi import --preview-only --out``) while the
resources still exist, because an import file can only become code by reading the live resource.

Layout in the Object-Locked archive bucket (new keys only, never overwritten, each with its SHA-256)::

    capture/<account>/<service>/<timestamp>/inventory.json   everything found, managed or not, with the stack
    capture/<account>/<service>/<timestamp>/import.json      the unmanaged ones, `pulumi import --file` format
    capture/<account>/<service>/<timestamp>/<service>.py     the code CI generated from import.json
    capture/<account>/<service>/<timestamp>/manifest.json    complete or not, counts, previous count, failures
    capture/<account>/runs/<timestamp>.json                  the run: complete only if every service is

Every attempt is paced (:class:`~failsafe.ops.capture.pacing.Pacer`: a jittered interval between attempts at a
configured rate; throttling is retried by botocore's standard retries, :mod:`failsafe.ops.aws`), and the run has a
time budget. A run is
*complete* only when every service was captured and none lost more than the configured percentage of its
resources against the previous capture; otherwise it is recorded as incomplete, the topic is notified and the
CLI exits 1. Listings are botocore's paginators; the retries sit inside each page's call, so a throttled page is
retried alone and every attempt waits its turn.

AWS-made things nobody needs to rebuild are skipped and counted: service-linked and IAM Identity Center roles,
AWS-managed KMS keys and their ``alias/aws/*`` aliases, the default security group of each VPC, the SOA and NS
records at a zone's apex, and zones another service made. SSM parameters are captured by name and metadata only:
their values are never read, and the import file leaves ``value`` out of the generated code.

The modules, one job each: :mod:`.model` (services, type tokens, what is found), :mod:`.pacing` (pacer, budget),
:mod:`.collectors` (one per service), :mod:`.generic` (every other listable type through Cloud Control, as
aws-native import entries; docs/capture.md), :mod:`.matching` (managed or not; the import file), :mod:`.store` (the
archive bucket), :mod:`.run` (a capture run), :mod:`.reading` (show, attach, verify's summaries), :mod:`.command`
(``failsafe-dr capture``). This package imports nothing itself: import the module you need.

Pulumi import file format: https://www.pulumi.com/docs/iac/guides/migration/import/#bulk-import-operations
(pulumi/docs ``content/docs/iac/guides/migration/import/_index.md``); import IDs per type from the Import section
of each resource in pulumi-aws 7.x; ``<id>@<region>`` for a resource outside its provider's region from
pulumi-aws ``docs/enhanced-region-support.md``.
"""
