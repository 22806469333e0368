"""PreviewFunction: one pull request's copy of the web app, a scale-to-zero Lambda container behind a URL.

Fixes the reference design's flaws: names come from the PR number (never the branch, so two branches
never collide and a push never renames anything); the function is pinned to the image *digest* (a reused
tag can never leave a stale image running); the URL needs AWS_IAM unless config explicitly allows a public
preview; reserved concurrency caps what a forgotten or abused preview can cost; every resource is tagged
with the PR, branch, commit and an expiry time the reaper and a person can read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from failsafe_components import iam, names, spec
from failsafe_components.errors import ComponentArgsError, bad_arg

ARCHITECTURES = {"arm64": "linux/arm64", "x86_64": "linux/amd64"}
INVOKE_MODES = {"BUFFERED": "buffered", "RESPONSE_STREAM": "response_stream"}
HEALTH_PATH = "/health"
KEEP_IMAGES = 5  # the newest push is the one deployed, so "keep the newest N" never expires the one in use
_DIGEST_URI = re.compile(r"[\w.-]+(:\d+)?/[\w./-]+@(sha256:[0-9a-f]{64})")
_TAG_VALUE_UNSAFE = re.compile(r"[^\w .:/=+\-@]")  # what AWS allows in tag values
TAG_VALUE_MAX = 256


def tag_value(text: str) -> str:
    """``text`` made acceptable as an AWS tag value (branch names may hold characters tags refuse)."""
    return _TAG_VALUE_UNSAFE.sub("_", text)[:TAG_VALUE_MAX]


@dataclass(frozen=True)
class PreviewFunctionArgs:
    name_prefix: str
    pr_number: int
    branch: str
    commit: str
    expires_at: str  # ISO 8601 UTC: deploy time + TTL; the reaper's clock
    image_uri: str | None = None  # built by CI, pinned by digest; None = build ``app_dir`` with pulumi-docker-build
    app_dir: str | None = None  # the app's Docker build context (absolute, or relative to the caller's cwd)
    architecture: str = "arm64"
    memory_mb: int = 512
    timeout_seconds: int = 15
    reserved_concurrency: int = 0  # 0: none (see spec.PREVIEW_CONCURRENCY for the account quota it needs)
    public_url: bool = False
    invoke_mode: str = "BUFFERED"
    log_retention_days: int = 7
    force_delete_images: bool = True  # previews are disposable; never set for a stack that keeps state
    permissions_boundary_arn: str | None = None  # required by the scoped preview deploy role (CiAccess)
    extra_statements: tuple[dict[str, Any], ...] = field(default_factory=tuple)  # added to the execution role

    def validate(self) -> None:
        def bad(arg: str, value: object, expected: str) -> ComponentArgsError:
            return bad_arg("PreviewFunctionArgs", arg, value, expected)

        if not re.fullmatch(r"[a-z][a-z0-9-]{0,30}", self.name_prefix):
            raise bad("name_prefix", self.name_prefix, "1-31 lowercase letters, digits or hyphens, starting a letter")
        if self.pr_number not in spec.PR_NUMBER:
            raise bad("pr_number", self.pr_number, "a pull request number between 1 and 1000000000")
        if self.image_uri is not None and not _DIGEST_URI.fullmatch(self.image_uri):
            raise bad("image_uri", self.image_uri, "<registry>/<repository>@sha256:<64 hex> (a tag is not a pin)")
        if self.image_uri is None and not self.app_dir:
            raise bad("app_dir", self.app_dir, "the app's build context directory when no image_uri is given")
        if self.architecture not in ARCHITECTURES:
            raise bad("architecture", self.architecture, f"one of {sorted(ARCHITECTURES)}")
        if self.invoke_mode not in INVOKE_MODES:
            raise bad("invoke_mode", self.invoke_mode, f"one of {sorted(INVOKE_MODES)}")
        if self.memory_mb not in spec.LAMBDA_MEMORY_MB:
            raise bad("memory_mb", self.memory_mb, "128-10240")
        if self.timeout_seconds not in spec.LAMBDA_TIMEOUT_SECONDS:
            raise bad("timeout_seconds", self.timeout_seconds, "1-900 seconds")
        if self.reserved_concurrency not in spec.PREVIEW_CONCURRENCY:
            raise bad(
                "reserved_concurrency", self.reserved_concurrency, "0 (none) or 1-100 (the preview's cost ceiling)"
            )
        if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", self.expires_at):
            raise bad("expires_at", self.expires_at, "an ISO 8601 UTC time like 2026-01-31T12:00:00Z")


class PreviewFunction(pulumi.ComponentResource):
    url: pulumi.Output[str]
    function_name: pulumi.Output[str]
    image_digest: pulumi.Output[str]

    def __init__(self, name: str, args: PreviewFunctionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        args.validate()
        super().__init__("failsafe:index:PreviewFunction", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        base = names.preview_name(args.name_prefix, args.pr_number)
        function_name = names.fit(base, names.LAMBDA_NAME_MAX)
        tags = {
            "failsafe:pr": str(args.pr_number),
            "failsafe:branch": tag_value(args.branch) or "unknown",
            "failsafe:commit": args.commit or "unknown",
            "failsafe:expires-at": args.expires_at,
        }

        if args.image_uri is None:
            image_uri, digest = self._build_image(name, base, args, tags)
        else:
            match = _DIGEST_URI.fullmatch(args.image_uri)
            assert match is not None  # validated above
            image_uri, digest = pulumi.Output.from_input(args.image_uri), pulumi.Output.from_input(match.group(2))

        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/lambda/{function_name}",
            retention_in_days=args.log_retention_days,
            tags=tags,
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-exec",
            name=names.preview_name(args.name_prefix, args.pr_number, "exec", names.IAM_ROLE_NAME_MAX),
            assume_role_policy=iam.to_json(iam.service_trust("lambda.amazonaws.com")),
            permissions_boundary=args.permissions_boundary_arn,
            tags=tags,
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-exec-logs",
            role=role.name,
            policy=iam.to_json(
                iam.document(
                    iam.statement(
                        "WriteOwnLogs",
                        ["logs:CreateLogStream", "logs:PutLogEvents"],
                        [pulumi.Output.concat(log_group.arn, ":*")],
                    ),
                    *args.extra_statements,
                )
            ),
            opts=child,
        )
        function = aws.lambda_.Function(
            f"{name}-function",
            name=function_name,
            package_type="Image",
            image_uri=image_uri,
            architectures=[args.architecture],
            memory_size=args.memory_mb,
            timeout=args.timeout_seconds,
            # 0 would mean "throttle everything" to Lambda; unset means unreserved
            reserved_concurrent_executions=args.reserved_concurrency or None,
            role=role.arn,
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="Text", log_group=log_group.name),
            environment=aws.lambda_.FunctionEnvironmentArgs(
                variables={
                    "AWS_LWA_READINESS_CHECK_PATH": HEALTH_PATH,
                    "AWS_LWA_INVOKE_MODE": INVOKE_MODES[args.invoke_mode],
                    "PREVIEW_PR": str(args.pr_number),
                    "PREVIEW_COMMIT": args.commit,
                    "PREVIEW_BRANCH": args.branch,
                }
            ),
            tags=tags,
            opts=child,
        )

        url_opts = child
        if args.public_url:
            # Since late 2025 an unauthenticated URL needs both permissions; without them it answers 403.
            invoke_url = aws.lambda_.Permission(
                f"{name}-public-url",
                function=function.name,
                action="lambda:InvokeFunctionUrl",
                principal="*",
                function_url_auth_type="NONE",
                statement_id="PublicFunctionUrl",
                opts=child,
            )
            invoke = aws.lambda_.Permission(
                f"{name}-public-invoke",
                function=function.name,
                action="lambda:InvokeFunction",
                principal="*",
                invoked_via_function_url=True,
                statement_id="PublicInvokeViaUrl",
                opts=child,
            )
            # The URL reads nothing from the permissions, so only depends_on can order them first.
            url_opts = pulumi.ResourceOptions(parent=self, depends_on=[invoke_url, invoke])
        function_url = aws.lambda_.FunctionUrl(
            f"{name}-url",
            function_name=function.name,
            authorization_type="NONE" if args.public_url else "AWS_IAM",
            invoke_mode=args.invoke_mode,
            opts=url_opts,
        )

        self.url = function_url.function_url
        self.function_name = function.name
        self.image_digest = digest
        self.register_outputs({"url": self.url, "functionName": self.function_name, "imageDigest": self.image_digest})

    def _build_image(
        self, name: str, base: str, args: PreviewFunctionArgs, tags: dict[str, str]
    ) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        """ECR repository plus the image built from ``app_dir`` (needs Docker at deploy time: CI has it).

        pulumi-docker-build is imported here, not at the top: a program that passes a prebuilt ``image_uri`` (or uses
        only the other components) needs nothing but pulumi and pulumi-aws."""
        import pulumi_docker_build as docker_build

        child = pulumi.ResourceOptions(parent=self)
        repository = aws.ecr.Repository(
            f"{name}-repo",
            name=names.fit(base, names.ECR_NAME_MAX),
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            image_tag_mutability="MUTABLE",  # tags are labels only: the function is pinned by digest
            encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="AES256")],
            force_delete=args.force_delete_images,
            tags=tags,
            opts=child,
        )
        aws.ecr.LifecyclePolicy(
            f"{name}-repo-lifecycle",
            repository=repository.name,
            policy=json.dumps(
                {
                    "rules": [
                        {
                            "rulePriority": 1,
                            "description": f"keep the {KEEP_IMAGES} newest images; the newest is the one deployed",
                            "selection": {
                                "tagStatus": "any",
                                "countType": "imageCountMoreThan",
                                "countNumber": KEEP_IMAGES,
                            },
                            "action": {"type": "expire"},
                        }
                    ]
                }
            ),
            opts=child,
        )
        token = aws.ecr.get_authorization_token_output(
            registry_id=repository.registry_id, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        registry = repository.repository_url.apply(lambda url: url.split("/", 1)[0])
        builder = docker_build.Provider(f"{name}-docker", opts=child)
        image = docker_build.Image(
            f"{name}-image",
            context=docker_build.BuildContextArgs(location=str(args.app_dir)),
            platforms=[docker_build.Platform(ARCHITECTURES[args.architecture])],
            push=True,
            tags=[pulumi.Output.concat(repository.repository_url, ":", args.commit or f"pr-{args.pr_number}")],
            registries=[docker_build.RegistryArgs(address=registry, username=token.user_name, password=token.password)],
            build_args={"PREVIEW_COMMIT": args.commit, "PREVIEW_PR": str(args.pr_number)},
            opts=pulumi.ResourceOptions(parent=self, provider=builder),
        )
        return pulumi.Output.concat(repository.repository_url, "@", image.digest), image.digest
