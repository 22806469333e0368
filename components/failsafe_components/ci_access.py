"""CiAccess: how GitHub Actions reaches one AWS account, through OIDC and never with stored keys.

Per account: the GitHub OIDC identity provider and one *entry* role that only a workflow of the configured
repository can assume (audience ``sts.amazonaws.com``, subject pinned to a GitHub environment or to
pull-request events). The entry role can do exactly one thing: assume the role the stack's aws providers
assume. For prod and dr that is the bootstrap deploy role (``deployRoleName``, whose trust must name the
entry role: see docs/previews.md); for the preview account this component also creates that role, scoped to
resources named ``<prefix>-pr-*``, so a pull request can never touch anything else in the account.

Pull requests never get those powers. For prod and dr the component also creates a *PR preview* role, trusted
only for the ``pull_request`` subject, that can assume nothing but the *read-only* role (``read_role_name``) of
each account the stack's providers touch; ``pulumi preview`` of a PR runs with those (the workflow points the
providers at the read-only role by config). The read-only role has AWS's ``ViewOnlyAccess`` plus the Get/List/
Describe calls a refresh of the stack's resource types makes, and an explicit Deny on data reads (object bodies,
secret values, parameters, decryption, image layers, log events), so PR code can see configuration, never data,
and can change nothing. The archive job has its own role, trusted only for its own GitHub environment.

The roles are machine identities (federated principal): the MFA rule for people does not apply to them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from failsafe_components import iam, names
from failsafe_components.errors import ComponentArgsError, bad_arg

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
AUDIENCE = "sts.amazonaws.com"
REAPER_ENVIRONMENT = "preview-reaper"
ARCHIVE_ENVIRONMENT = "archive"  # archive.yml's GitHub environment: no reviewers, deployment branch main
CAPTURE_ENVIRONMENT = "capture"  # capture.yml's GitHub environment: no reviewers, deployment branch main
VIEW_ONLY_POLICY_ARN = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"

# What a refresh of the program's resource types reads beyond ViewOnlyAccess: configuration, never data.
STACK_READ_ACTIONS = [
    "backup:Describe*",
    "backup:Get*",
    "backup:List*",
    "cloudwatch:Describe*",
    "cloudwatch:ListTagsForResource",
    "ecr:DescribeImages",
    "ecr:DescribeRepositories",
    "ecr:GetLifecyclePolicy",
    "ecr:GetRepositoryPolicy",
    "ecr:ListTagsForResource",
    "events:Describe*",
    "events:List*",
    "iam:Get*",
    "iam:List*",
    "kms:Describe*",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:List*",
    "lambda:Get*",
    "lambda:List*",
    "logs:Describe*",
    "logs:ListTagsForResource",
    "logs:ListTagsLogGroup",
    "route53:Get*",
    "route53:List*",
    "s3:GetAccelerateConfiguration",
    "s3:GetBucket*",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration",
    "sns:GetSubscriptionAttributes",
    "sns:GetTopicAttributes",
    "sns:List*",
    "ssm:DescribeParameters",
    "ssm:ListTagsForResource",
]
# Data, not configuration: denied explicitly, so no managed policy AWS extends later can hand it to PR code.
DATA_READ_ACTIONS = [
    "dynamodb:BatchGetItem",
    "dynamodb:GetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "ecr:BatchGetImage",
    "ecr:GetAuthorizationToken",
    "ecr:GetDownloadUrlForLayer",
    "kms:Decrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
    "logs:FilterLogEvents",
    "logs:GetLogEvents",
    "logs:GetQueryResults",
    "logs:StartLiveTail",
    "logs:StartQuery",
    "rds:DownloadDBLogFilePortion",
    "s3:GetObject*",
    "secretsmanager:GetSecretValue",
    "sqs:ReceiveMessage",
    "ssm:GetParameter*",
    "sts:AssumeRole",
]


def github_trust(provider_arn: pulumi.Input[str], subjects: list[str]) -> dict[str, Any]:
    """Trust for GitHub workflows of one repository: the audience and the exact subjects, nothing wider."""
    return iam.document(
        iam.statement(
            "GitHubActionsOidc",
            "sts:AssumeRoleWithWebIdentity",
            principal={"Federated": provider_arn},
            condition={"StringEquals": {f"{GITHUB_OIDC_HOST}:aud": AUDIENCE, f"{GITHUB_OIDC_HOST}:sub": subjects}},
        )
    )


def read_only_statements() -> list[dict[str, Any]]:
    """The read-only role's own policy (next to ViewOnlyAccess): read configuration, deny data."""
    return [
        iam.statement("ReadStackConfiguration", STACK_READ_ACTIONS, "*"),
        iam.statement("NoDataReads", DATA_READ_ACTIONS, "*", effect="Deny"),
    ]


def preview_deploy_statements(prefix: str, account: str, region: str) -> list[dict[str, Any]]:
    """What deploying and destroying ``<prefix>-pr-*`` stacks needs (PreviewFunction's resources), nothing more."""
    own = f"{prefix}-pr-*"
    return [
        iam.statement(
            "PreviewFunctions",
            [
                "lambda:CreateFunction",
                "lambda:DeleteFunction",
                "lambda:GetFunction",
                "lambda:GetFunctionConfiguration",
                "lambda:UpdateFunctionCode",
                "lambda:UpdateFunctionConfiguration",
                "lambda:PutFunctionConcurrency",
                "lambda:DeleteFunctionConcurrency",
                "lambda:GetFunctionConcurrency",
                "lambda:GetFunctionCodeSigningConfig",
                "lambda:ListVersionsByFunction",
                "lambda:TagResource",
                "lambda:UntagResource",
                "lambda:ListTags",
                "lambda:CreateFunctionUrlConfig",
                "lambda:UpdateFunctionUrlConfig",
                "lambda:DeleteFunctionUrlConfig",
                "lambda:GetFunctionUrlConfig",
                "lambda:AddPermission",
                "lambda:RemovePermission",
                "lambda:GetPolicy",
            ],
            [f"arn:aws:lambda:{region}:{account}:function:{own}"],
        ),
        iam.statement(
            "PreviewRepositories",
            [
                "ecr:CreateRepository",
                "ecr:DeleteRepository",
                "ecr:DescribeRepositories",
                "ecr:DescribeImages",
                "ecr:ListImages",
                "ecr:BatchGetImage",
                "ecr:BatchDeleteImage",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchCheckLayerAvailability",
                "ecr:InitiateLayerUpload",
                "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload",
                "ecr:PutImage",
                "ecr:PutLifecyclePolicy",
                "ecr:GetLifecyclePolicy",
                "ecr:DeleteLifecyclePolicy",
                "ecr:PutImageScanningConfiguration",
                "ecr:PutImageTagMutability",
                "ecr:SetRepositoryPolicy",
                "ecr:GetRepositoryPolicy",
                "ecr:TagResource",
                "ecr:UntagResource",
                "ecr:ListTagsForResource",
            ],
            [f"arn:aws:ecr:{region}:{account}:repository/{own}"],
        ),
        iam.statement("RegistryLogin", "ecr:GetAuthorizationToken", "*"),  # an account-level action
        iam.statement(
            "PreviewLogGroups",
            [
                "logs:CreateLogGroup",
                "logs:DeleteLogGroup",
                "logs:PutRetentionPolicy",
                "logs:DeleteRetentionPolicy",
                "logs:TagResource",
                "logs:UntagResource",
                "logs:ListTagsForResource",
                "logs:TagLogGroup",
                "logs:ListTagsLogGroup",
            ],
            [f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{own}"],
        ),
        iam.statement("DescribeLogGroups", "logs:DescribeLogGroups", "*"),  # a list action: no resource scope
        iam.statement(
            # A role created (or given an inline policy) here always carries the boundary, so code in a PR
            # can never grant its function more than writing preview logs.
            "PreviewExecutionRolesWithBoundary",
            ["iam:CreateRole", "iam:PutRolePolicy"],
            [f"arn:aws:iam::{account}:role/{own}"],
            condition={"StringEquals": {"iam:PermissionsBoundary": preview_boundary_arn(prefix, account)}},
        ),
        iam.statement(
            "PreviewExecutionRoles",
            [
                "iam:DeleteRole",
                "iam:GetRole",
                "iam:UpdateRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:TagRole",
                "iam:UntagRole",
                "iam:ListRoleTags",
                "iam:GetRolePolicy",
                "iam:DeleteRolePolicy",
                "iam:ListRolePolicies",
                "iam:ListAttachedRolePolicies",
                "iam:ListInstanceProfilesForRole",
            ],
            [f"arn:aws:iam::{account}:role/{own}"],
        ),
        iam.statement(
            "PassPreviewRolesToLambdaOnly",
            "iam:PassRole",
            [f"arn:aws:iam::{account}:role/{own}"],
            condition={"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
        ),
    ]


@dataclass(frozen=True)
class CiAccessArgs:
    name_prefix: str
    github_repository: str  # owner/repo
    account_id: str
    region: str
    environment: str  # prod, dr or preview: the GitHub environment (or PR events) allowed in
    deploy_role_name: str  # the role the stack's providers assume in this account
    preview: bool = False  # create the scoped preview deploy role (named deploy_role_name) too
    # dr only: the archive workflow's role, which may list, read and add objects in this bucket and nothing else
    archive_bucket_name: str | None = None
    archive_kms_key_arn: pulumi.Input[str] | None = None
    # further roles the stack's providers assume in other accounts (prod: the preview account, the DNS account);
    # each of those roles must trust this entry role in turn
    extra_role_arns: tuple[str, ...] = ()
    # prod, dr: the read-only roles (one per account the stack's providers touch) that pull-request previews assume;
    # when set, a PR preview role trusted only for pull_request events is created, able to assume exactly these
    pr_read_role_arns: tuple[str, ...] = ()
    # the read-only role of this account (created when set), assumable by this component's PR preview role and by
    # read_role_trusted_arns (prod's PR preview role, for the preview account's reader)
    read_role_name: str | None = None
    read_role_trusted_arns: tuple[pulumi.Input[str], ...] = ()
    # dr only: the configuration capture job's role (capture.yml): reads the archive, adds objects under capture/,
    # publishes incomplete-run notices to this topic, and assumes these read-only roles in the captured accounts
    capture_topic_arn: str | None = None
    capture_read_role_arns: tuple[str, ...] = ()
    # JSON documents of customer managed policies for the read role: the Cloud Control list handlers' read actions the
    # configuration capture needs (failsafe/ops/data/capture_readonly_policy.json, secret and data reads excluded)
    capture_read_policies: tuple[str, ...] = ()

    def validate(self) -> None:
        def bad(arg: str, value: object, expected: str) -> ComponentArgsError:
            return bad_arg("CiAccessArgs", arg, value, expected)

        if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", self.github_repository):
            raise bad("github_repository", self.github_repository, "owner/repo, without wildcards")
        if not re.fullmatch(r"\d{12}", self.account_id):
            raise bad("account_id", self.account_id, "a 12-digit AWS account ID")
        if not re.fullmatch(r"[a-z0-9-]+", self.environment):
            raise bad("environment", self.environment, "a GitHub environment name (lowercase, digits, hyphens)")
        if not re.fullmatch(r"[\w+=,.@-]{1,64}", self.deploy_role_name):
            raise bad("deploy_role_name", self.deploy_role_name, "an IAM role name")
        if (self.archive_bucket_name is None) != (self.archive_kms_key_arn is None):
            raise bad("archive_kms_key_arn", self.archive_kms_key_arn, "set exactly when archive_bucket_name is set")
        if self.read_role_name is not None:
            if not re.fullmatch(r"[\w+=,.@-]{1,64}", self.read_role_name):
                raise bad("read_role_name", self.read_role_name, "an IAM role name")
            if self.read_role_name == self.deploy_role_name:
                raise bad(
                    "read_role_name", self.read_role_name, f"a role other than the deploy role {self.deploy_role_name}"
                )
            if not self.pr_read_role_arns and not self.read_role_trusted_arns:
                raise bad(
                    "read_role_trusted_arns", self.read_role_trusted_arns, "someone to trust (or pr_read_role_arns)"
                )
        for arn in self.pr_read_role_arns:
            if not re.fullmatch(r"arn:aws:iam::\d{12}:role/[\w+=,.@-]{1,64}", arn):
                raise bad("pr_read_role_arns", arn, "IAM role ARNs")
            if arn.rsplit("/", 1)[-1] == self.deploy_role_name or arn in self.extra_role_arns:
                raise bad("pr_read_role_arns", arn, "read-only roles: a pull request must never reach a deploy role")
        if self.preview and not self.deploy_role_name.startswith(f"{self.name_prefix}-preview"):
            raise bad(
                "deploy_role_name",
                self.deploy_role_name,
                f"a name starting {self.name_prefix}-preview: "
                "the preview deploy role must never be the account's bootstrap deploy role",
            )

    def subjects(self) -> list[str]:
        repo = f"repo:{self.github_repository}"
        if self.preview:
            # PR events of this repository (forks get no OIDC token), and the scheduled reaper's environment.
            return [f"{repo}:pull_request", f"{repo}:environment:{REAPER_ENVIRONMENT}"]
        return [f"{repo}:environment:{self.environment}"]

    def pr_subjects(self) -> list[str]:
        """Pull-request events of this repository only (forks get no OIDC token; no environment, no branch)."""
        return [f"repo:{self.github_repository}:pull_request"]

    def archive_subjects(self) -> list[str]:
        return [f"repo:{self.github_repository}:environment:{ARCHIVE_ENVIRONMENT}"]

    def capture_subjects(self) -> list[str]:
        return [f"repo:{self.github_repository}:environment:{CAPTURE_ENVIRONMENT}"]


class CiAccess(pulumi.ComponentResource):
    entry_role_arn: pulumi.Output[str]
    deploy_role_arn: pulumi.Output[str]
    pr_role_arn: pulumi.Output[str] | None  # PR previews' role (prod, dr)
    read_role_arn: pulumi.Output[str] | None  # this account's read-only role

    def __init__(self, name: str, args: CiAccessArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        args.validate()
        super().__init__("failsafe:index:CiAccess", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        provider = aws.iam.OpenIdConnectProvider(
            f"{name}-github",
            url=f"https://{GITHUB_OIDC_HOST}",
            client_id_lists=[AUDIENCE],
            opts=child,
        )
        entry = aws.iam.Role(
            f"{name}-entry",
            name=names.fit(f"{args.name_prefix}-ci-{args.environment}", names.IAM_ROLE_NAME_MAX),
            description=f"GitHub Actions of {args.github_repository} ({', '.join(args.subjects())})",
            assume_role_policy=iam.to_json(github_trust(provider.arn, args.subjects())),
            max_session_duration=3600,
            opts=child,
        )
        deploy_role_arn: pulumi.Output[str] = pulumi.Output.from_input(
            f"arn:aws:iam::{args.account_id}:role/{args.deploy_role_name}"
        )
        if args.preview:
            deploy = aws.iam.Role(
                f"{name}-deploy",
                name=args.deploy_role_name,
                description=f"Deploys and destroys {args.name_prefix}-pr-* preview stacks, nothing else",
                assume_role_policy=iam.to_json(
                    iam.document(iam.statement("CiEntryRole", "sts:AssumeRole", principal={"AWS": entry.arn}))
                ),
                max_session_duration=3600,
                opts=child,
            )
            aws.iam.Policy(
                f"{name}-boundary",
                name=preview_boundary_name(args.name_prefix),
                description="Permissions boundary of every preview execution role: write preview logs, nothing else",
                policy=iam.to_json(
                    iam.document(*preview_boundary_statements(args.name_prefix, args.account_id, args.region))
                ),
                opts=child,
            )
            aws.iam.RolePolicy(
                f"{name}-deploy-scope",
                role=deploy.name,
                policy=iam.to_json(
                    iam.document(*preview_deploy_statements(args.name_prefix, args.account_id, args.region))
                ),
                opts=child,
            )
            deploy_role_arn = deploy.arn
        extra = sorted(set(args.extra_role_arns))
        targets: pulumi.Input[Any] = [deploy_role_arn, *extra] if extra else deploy_role_arn
        aws.iam.RolePolicy(
            f"{name}-entry-handover",
            role=entry.name,
            policy=iam.to_json(iam.document(iam.statement("AssumeTheDeployRoles", "sts:AssumeRole", targets))),
            opts=child,
        )
        self.capture_role_arn: pulumi.Output[str] | None = None
        if args.capture_topic_arn is not None and args.archive_bucket_name is not None:
            self.capture_role_arn = self._capture_writer(name, args, provider.arn)
        self.archive_role_arn: pulumi.Output[str] | None = None
        if args.archive_bucket_name is not None:
            self.archive_role_arn = self._archive_writer(name, args, provider.arn)
        self.pr_role_arn = self._pr_preview(name, args, provider.arn) if args.pr_read_role_arns else None
        self.read_role_arn: pulumi.Output[str] | None = None
        if args.read_role_name is not None:
            trusted = [*([self.pr_role_arn] if self.pr_role_arn is not None else []), *args.read_role_trusted_arns]
            self.read_role_arn = self._reader(name, args, trusted)
        self.entry_role_arn = entry.arn
        self.deploy_role_arn = deploy_role_arn
        self.register_outputs(
            {
                "entryRoleArn": self.entry_role_arn,
                "deployRoleArn": self.deploy_role_arn,
                "archiveRoleArn": self.archive_role_arn,
                "prRoleArn": self.pr_role_arn,
                "readRoleArn": self.read_role_arn,
            }
        )

    def _pr_preview(self, name: str, args: CiAccessArgs, provider_arn: pulumi.Input[str]) -> pulumi.Output[str]:
        """The role a pull request's `pulumi preview` of this stack starts from: pull_request subject only, and all
        it can do is assume the read-only roles. No GitHub environment, so no reviewer stands between a PR and it:
        that is why it can write nothing and read no data."""
        role = aws.iam.Role(
            f"{name}-pr",
            name=names.fit(f"{args.name_prefix}-ci-{args.environment}-preview", names.IAM_ROLE_NAME_MAX),
            description=f"Pull requests of {args.github_repository}: read-only preview of {args.environment}",
            assume_role_policy=iam.to_json(github_trust(provider_arn, args.pr_subjects())),
            max_session_duration=3600,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.iam.RolePolicy(
            f"{name}-pr-handover",
            role=role.name,
            policy=iam.to_json(
                iam.document(
                    iam.statement("AssumeTheReadOnlyRoles", "sts:AssumeRole", sorted(set(args.pr_read_role_arns)))
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return role.arn

    def _reader(self, name: str, args: CiAccessArgs, trusted: list[pulumi.Input[str]]) -> pulumi.Output[str]:
        """This account's read-only role for PR previews: configuration, never data, never a write.

        ViewOnlyAccess (AWS's List/Describe job function) plus :data:`STACK_READ_ACTIONS`, and an explicit Deny on
        :data:`DATA_READ_ACTIONS` that outranks any Allow. Trade-off: ``lambda:GetFunction`` returns a link to the
        function's code (the repository's own code) and ``iam:Get*`` shows policies; both are configuration.
        """
        assert args.read_role_name is not None
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-read",
            name=args.read_role_name,
            description="Read-only: what `pulumi preview` of a pull request may see (configuration, no data)",
            assume_role_policy=iam.to_json(
                iam.document(iam.statement("PrPreviewRoles", "sts:AssumeRole", principal={"AWS": trusted}))
            ),
            max_session_duration=3600,
            opts=child,
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-read-view-only", role=role.name, policy_arn=VIEW_ONLY_POLICY_ARN, opts=child
        )
        aws.iam.RolePolicy(
            f"{name}-read-scope",
            role=role.name,
            policy=iam.to_json(iam.document(*read_only_statements())),
            opts=child,
        )
        # The capture's list/read actions, as customer managed policies of at most 6,144 characters each; with
        # ViewOnlyAccess the role holds 1 + len(...) managed policies, within IAM's default 10 per role (IAM User
        # Guide, "IAM and AWS STS quotas": managed policies attached to an IAM role). Their first document denies the
        # excluded reads, and the Deny of read_only_statements still outranks any Allow.
        for number, document in enumerate(args.capture_read_policies, start=1):
            policy = aws.iam.Policy(
                f"{name}-read-capture-{number}",
                name=names.fit(f"{args.read_role_name}-capture-{number}", names.IAM_ROLE_NAME_MAX),
                description="Configuration capture: Cloud Control list and read actions (no data, no secrets)",
                policy=document,
                opts=child,
            )
            aws.iam.RolePolicyAttachment(
                f"{name}-read-capture-{number}", role=role.name, policy_arn=policy.arn, opts=child
            )
        return role.arn

    def _archive_writer(self, name: str, args: CiAccessArgs, provider_arn: pulumi.Input[str]) -> pulumi.Output[str]:
        """The role .github/workflows/archive.yml assumes: add state exports to the archive bucket, no more.

        No delete, no overwrite protection needed from IAM: the bucket is versioned and object-locked, and the
        archive tool never reuses a key. Its own GitHub environment (``archive``: no reviewers, so the daily run
        never waits for a person; deployment branch ``main``), not dr's: dr's reviewers guard deploys only.
        """
        bucket = f"arn:aws:s3:::{args.archive_bucket_name}"
        role = aws.iam.Role(
            f"{name}-archive",
            name=names.fit(f"{args.name_prefix}-ci-archive", names.IAM_ROLE_NAME_MAX),
            description=f"GitHub Actions of {args.github_repository}: write Pulumi state exports to the archive",
            assume_role_policy=iam.to_json(github_trust(provider_arn, args.archive_subjects())),
            max_session_duration=3600,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.iam.RolePolicy(
            f"{name}-archive-write",
            role=role.name,
            policy=iam.to_json(
                iam.document(
                    iam.statement("ListArchive", "s3:ListBucket", [bucket]),
                    iam.statement("ReadAndAddExports", ["s3:GetObject", "s3:PutObject"], [f"{bucket}/*"]),
                    iam.statement("UseArchiveKey", ["kms:GenerateDataKey", "kms:Decrypt"], [args.archive_kms_key_arn]),
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return role.arn

    def _capture_writer(self, name: str, args: CiAccessArgs, provider_arn: pulumi.Input[str]) -> pulumi.Output[str]:
        """The role .github/workflows/capture.yml assumes (docs/capture.md): read the latest state exports, add a
        capture under ``capture/``, notify on an incomplete run, and reach the captured accounts only through their
        read-only roles (configuration reads, data denied). Nothing it can do deletes or overwrites: the bucket is
        versioned and Object-Locked, and the capture never reuses a key."""
        bucket = f"arn:aws:s3:::{args.archive_bucket_name}"
        role = aws.iam.Role(
            f"{name}-capture",
            name=capture_role_name(args.name_prefix),
            description=f"GitHub Actions of {args.github_repository}: daily configuration capture into the archive",
            assume_role_policy=iam.to_json(github_trust(provider_arn, args.capture_subjects())),
            max_session_duration=3600,
            opts=pulumi.ResourceOptions(parent=self),
        )
        statements = [
            iam.statement("ListArchive", "s3:ListBucket", [bucket]),
            iam.statement("ReadExportsAndCaptures", "s3:GetObject", [f"{bucket}/*"]),
            iam.statement("AddCaptures", "s3:PutObject", [f"{bucket}/capture/*"]),
            iam.statement("UseArchiveKey", ["kms:GenerateDataKey", "kms:Decrypt"], [args.archive_kms_key_arn]),
            iam.statement("NotifyIncompleteRuns", "sns:Publish", [args.capture_topic_arn]),
        ]
        if args.capture_read_role_arns:
            statements.append(
                iam.statement("ReadCapturedAccounts", "sts:AssumeRole", sorted(args.capture_read_role_arns))
            )
        aws.iam.RolePolicy(
            f"{name}-capture-scope",
            role=role.name,
            policy=iam.to_json(iam.document(*statements)),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return role.arn


def capture_role_name(name_prefix: str) -> str:
    """Deterministic: prod's read-only role trusts the capture role by this name (prod never reads dr)."""
    return names.fit(f"{name_prefix}-ci-capture", names.IAM_ROLE_NAME_MAX)


def preview_deploy_role_name(name_prefix: str) -> str:
    """The role preview stacks' providers assume: ``Pulumi.pr.template.yaml`` sets deployRoleName to it."""
    return f"{name_prefix}-preview-deploy"


def read_role_name(name_prefix: str) -> str:
    """The read-only role of every account, one name, so PR previews point all providers at it by one config key."""
    return f"{name_prefix}-ci-read"


def preview_boundary_name(name_prefix: str) -> str:
    return f"{name_prefix}-preview-boundary"


def preview_boundary_arn(name_prefix: str, account_id: str) -> str:
    """Deterministic, so the preview stacks name it without reading the prod stack."""
    return f"arn:aws:iam::{account_id}:policy/{preview_boundary_name(name_prefix)}"


def preview_boundary_statements(prefix: str, account: str, region: str) -> list[dict[str, Any]]:
    return [
        iam.statement(
            "WritePreviewLogsOnly",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [f"arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{prefix}-pr-*:*"],
        )
    ]
