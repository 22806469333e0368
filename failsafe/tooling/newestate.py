"""``python -m failsafe init``: start an estate in one command.

It asks for what only the team knows (accounts, regions, buckets, domain, repository), writes the files the team owns
in the layout of README "Configuration reference" (``Pulumi.dr.yaml`` and ``Pulumi.prod.yaml``, the shared keys alike
in both; ``Pulumi.yaml`` stays the product's), validates them as ``pulumi`` would read them, and runs ``check`` on
every stack of the estate. Both files are validated before either is written, and written together, so a bad answer
leaves nothing half-made.

Why not ``pulumi new <repo url>``: ``pulumi new`` makes one stack per run (pulumi/pulumi,
pkg/cmd/pulumi/newcmd/new.go at commit 011297b7de7a: ``--stack`` is "The stack name; either an existing stack or
stack to create", and ``--config`` "Config to save" goes to it; pkg/cmd/pulumi/newcmd/stack.go at 1bb950023bc9,
``PromptAndCreateStack``: one stack name in, one stack initialised). The layout needs two stack files (dr and prod)
that agree on the shared keys, so a template cannot produce it and the project carries no ``template:`` section;
this command writes both.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from failsafe.settings import stackfiles
from failsafe.settings.config import ConfigError, load_mapping
from failsafe.settings.projectfile import TEMPLATE

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE = 0, 1, 2
STACK_FILES = ("Pulumi.dr.yaml", "Pulumi.prod.yaml")
PREVIEW_STACK = "pr-42"  # the preview stack `check` tries, as ./dev.sh check does


@dataclass(frozen=True)
class Answers:
    """What the team tells ``init``. Empty strings are the optional parts left out (README, "Optional parts")."""

    prod_account: str
    backup_account: str
    primary_region: str
    dr_region: str
    bucket_prefix: str
    buckets: tuple[str, ...]
    pulumi_org: str
    identity_account: str = ""
    preview_account: str = ""
    repository: str = ""
    federation: str = ""
    alert_email: str = ""
    aws_org_id: str = ""
    domain: str = ""
    record: str = ""
    zone_id: str = ""
    primary_target: str = ""
    dr_target: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)  # more shared keys, YAML as written


# Each answer, its flag and the config key it becomes: a config error on a key is reported as the flag that fed it.
FLAGS: tuple[tuple[str, str, str, bool], ...] = (
    # attribute, flag, config key, required
    ("prod_account", "--prod-account", "prodAccountId", True),
    ("backup_account", "--backup-account", "backupAccountId", True),
    ("primary_region", "--primary-region", "primaryRegion", True),
    ("dr_region", "--dr-region", "drRegion", True),
    ("bucket_prefix", "--bucket-prefix", "bucketNamePrefix", True),
    ("buckets", "--buckets", "protectedBuckets", True),
    ("pulumi_org", "--pulumi-org", "drStackName", True),
    ("identity_account", "--identity-account", "identityAccountId", False),
    ("preview_account", "--preview-account", "previewAccountId", False),
    ("repository", "--repository", "githubRepository", False),
    ("federation", "--federation", "humanAccessFederation", False),
    ("alert_email", "--alert-email", "alertSubscription", True),
    ("aws_org_id", "--aws-org-id", "backupOrganizationId", False),
    ("domain", "--domain", "dnsZoneName", False),
    ("record", "--record", "dnsRecordName", False),
    ("zone_id", "--zone-id", "dnsZoneId", False),
    ("primary_target", "--primary-target", "dnsPrimaryTarget", False),
    ("dr_target", "--dr-target", "drEndpoint", False),
)
FLAG_OF_KEY = {key: flag for _, flag, key, _ in FLAGS}
PROMPTS = {
    "prod_account": "production account ID (12 digits)",
    "backup_account": "backup account ID (12 digits, locked down, its own account)",
    "primary_region": "production region (e.g. the region your workloads run in)",
    "dr_region": "backup region (another region than production)",
    "bucket_prefix": "bucket name prefix (globally unique, e.g. your domain reversed)",
    "buckets": "protected buckets, comma-separated logical names",
    "pulumi_org": "Pulumi organization that holds the stacks",
    "alert_email": "e-mail address that receives replication and backup alarms",
}


class InitError(Exception):
    """One line for the person at the terminal (no traceback), naming the flag, the value and what is expected."""


def _q(value: str) -> str:
    return json.dumps(value)  # a JSON string is a YAML string: quoted, so "012345678901" stays a string


def _shared(answers: Answers) -> list[str]:
    lines = [
        f"failsafe:prodAccountId: {_q(answers.prod_account)}",
        f"failsafe:backupAccountId: {_q(answers.backup_account)}",
        f"failsafe:identityAccountId: {_q(answers.identity_account)}",
        f"failsafe:previewAccountId: {_q(answers.preview_account)}",
        f"failsafe:primaryRegion: {_q(answers.primary_region)}",
        f"failsafe:drRegion: {_q(answers.dr_region)}",
        f"failsafe:bucketNamePrefix: {_q(answers.bucket_prefix)}",
        f"failsafe:protectedBuckets: [{', '.join(_q(b) for b in answers.buckets)}]",
        f"failsafe:githubRepository: {_q(answers.repository)}",
    ]
    return lines + [f"failsafe:{key}: {value}" for key, value in sorted(answers.extra.items())]


def render(answers: Answers) -> dict[str, str]:
    """The text of each stack file for ``answers``."""
    ci = "true" if answers.repository else "false"  # the GitHub OIDC roles need the repository they trust
    dr = ["failsafe:role: dr", f"failsafe:ciAccess: {ci}"]
    if answers.federation:
        dr.append(f"failsafe:humanAccessFederation: {_q(answers.federation)}")
    prod = [
        "failsafe:role: prod",
        f"failsafe:drStackName: {_q(f'{answers.pulumi_org}/failsafe/dr')}",
        f"failsafe:ciAccess: {ci}",
        # The worst case of the default hourly backups: 60 + the 60-minute start window + the 120-minute completion
        # window (README, "Configuration reference", rpoMinutes); prod refuses less.
        "failsafe:rpoMinutes: 240",
    ]
    if answers.aws_org_id:  # AWS Backup copies across accounts only inside an organization
        prod.append(f"failsafe:backupOrganizationId: {_q(answers.aws_org_id)}")
    if answers.alert_email:
        prod.append(f"failsafe:alertSubscription: {_q('email:' + answers.alert_email)}")
    if answers.domain:
        record = answers.record or f"app.{answers.domain}"
        dr.append(f"failsafe:drEndpoint: {_q(answers.dr_target)}")
        prod += [
            f"failsafe:dnsRecordName: {_q(record)}",
            f"failsafe:dnsZoneName: {_q(answers.domain)}",
            f"failsafe:dnsPrimaryTarget: {_q(answers.primary_target)}",
        ]
        if answers.zone_id:
            prod.append(f"failsafe:dnsZoneId: {_q(answers.zone_id)}")
        if answers.alert_email:
            prod.append(f"failsafe:dnsAlarmSubscription: {_q('email:' + answers.alert_email)}")
    head = (
        "# Your estate's values: this file is yours (Pulumi.yaml is the product's). Written by\n"
        "# `python -m failsafe init`.\n"
        "config:\n"
        '  pulumi:disable-default-providers: ["*"]\n'
        "  # --- the estate: read by dr and prod alike, so written in both stack files (a disagreement is refused)\n"
    )

    def body(title: str, own: list[str]) -> str:
        return f"# {title}\n" + head + "".join(f"  {line}\n" for line in _shared(answers) + own)

    return {
        "Pulumi.dr.yaml": body(
            "Disaster recovery: the locked-down backup account in the DR region. Deployed first.", dr
        ),
        "Pulumi.prod.yaml": body("Production: primary account and region. Deployed after dr; reads dr.", prod),
    }


def _flag_error(error: ConfigError, stack_file: str) -> InitError:
    flag = FLAG_OF_KEY.get(error.key)
    where = f"{flag} (config key {error.key})" if flag else f"config key {error.key} in {stack_file}"
    return InitError(f"{where}: {error}")


def validate(answers: Answers, project: Path) -> dict[str, str]:
    """Render and read back both files as the CLI reads them, in a scratch copy of the project; the texts."""
    missing = [flag for attr, flag, _, required in FLAGS if required and not getattr(answers, attr)]
    if missing:
        raise InitError(f"{', '.join(missing)}: required (give the flag, or run init at a terminal to be asked)")
    if answers.domain and not (answers.primary_target and answers.dr_target):
        raise InitError(
            f"--domain {answers.domain!r}: DNS failover also needs --primary-target and --dr-target "
            "('cname:<host>', 'alias:<zoneId>:<dnsName>' or 'ip:<addr>'); leave out --domain for no DNS failover"
        )
    texts = render(answers)
    with tempfile.TemporaryDirectory(prefix="failsafe-init-") as scratch:
        root = Path(scratch)
        for name in ("Pulumi.yaml", TEMPLATE):
            if (project / name).is_file():
                (root / name).write_bytes((project / name).read_bytes())
        for name, text in texts.items():
            (root / name).write_text(text, encoding="utf-8")
        stacks = ["dr", "prod"] + ([PREVIEW_STACK] if answers.preview_account else [])
        for stack in stacks:
            stack_file = f"Pulumi.{stack}.yaml"
            try:
                if stack == PREVIEW_STACK:
                    document = stackfiles.render_preview(42, "main", "0" * 40, root=root)
                    raw = stackfiles.raw_config(stack, root=root, overrides=dict(document["config"]))
                else:
                    raw = stackfiles.raw_config(stack, root=root)
                load_mapping(stack, stackfiles.unnamespaced(raw))
            except ConfigError as error:
                raise _flag_error(error, stack_file) from None
            except stackfiles.StackFileError as error:
                raise InitError(str(error)) from None
    return texts


def write(texts: Mapping[str, str], into: Path, force: bool) -> list[Path]:
    """Both files or neither: refuse to overwrite without ``force``; each written beside itself, then renamed."""
    targets = [into / name for name in texts]
    existing = [t.name for t in targets if t.exists()]
    if existing and not force:
        raise InitError(f"--dir {into}: {', '.join(existing)} exist already (your estate?); pass --force to replace")
    staged = []
    for target in targets:
        partial = target.with_name(f".{target.name}.init")
        partial.write_text(texts[target.name], encoding="utf-8")
        staged.append((partial, target))
    for partial, target in staged:
        os.replace(partial, target)
    return targets


def ask(answers: dict[str, object], prompt: Callable[[str], str]) -> None:
    """Fill the required answers still missing from ``prompt`` (a terminal's ``input``)."""
    for attr, _, _, required in FLAGS:
        if required and not answers.get(attr):
            reply = prompt(f"{PROMPTS[attr]}: ").strip()
            answers[attr] = tuple(b.strip() for b in reply.split(",") if b.strip()) if attr == "buckets" else reply


def arguments(parser: argparse.ArgumentParser) -> None:
    for attr, flag, key, required in FLAGS:
        parser.add_argument(flag, dest=attr, default="", help=f"config {key}" + (" (required)" if required else ""))
    parser.add_argument("--dir", type=Path, default=None, help="the project folder (default: this project)")
    parser.add_argument("--force", action="store_true", help="replace existing Pulumi.dr.yaml / Pulumi.prod.yaml")
    parser.add_argument("--no-check", action="store_true", help="write and validate only; skip `check`")
    parser.add_argument("--yes", action="store_true", help="never prompt (CI): a missing required flag is an error")


def answers_from(args: argparse.Namespace, prompt: Callable[[str], str] | None) -> Answers:
    given: dict[str, object] = {attr: getattr(args, attr) for attr, *_ in FLAGS}
    given["buckets"] = tuple(b.strip() for b in str(given["buckets"]).split(",") if b.strip())
    if prompt is not None:
        ask(given, prompt)
    return Answers(**given)  # type: ignore[arg-type]


def run(args: argparse.Namespace, check: Callable[[str], int] | None = None) -> int:
    project = args.dir or stackfiles.ROOT
    interactive = not args.yes and sys.stdin.isatty()
    try:
        answers = answers_from(args, input if interactive else None)
        texts = validate(answers, project)
        written = write(texts, project, args.force)
    except InitError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    for path in written:
        print(f"wrote {path}")
    if args.no_check:
        return EXIT_OK
    stacks = ["dr", "prod"] + ([PREVIEW_STACK] if answers.preview_account else [])
    if check is None:
        check = _check_command(project)
    worst = max(check(stack) for stack in stacks)
    print("init: the estate passes check" if worst == EXIT_OK else "init: check found problems (above)")
    return worst


def _check_command(project: Path) -> Callable[[str], int]:
    """``check`` of a stack of ``project``: in this process for this project, else as ``python -m failsafe check``
    with the project folder set (failsafe reads its project folder once, at import)."""
    if project.resolve() == stackfiles.ROOT.resolve():
        from failsafe.tooling import gate

        return lambda stack: gate.check(stack, json_output=False)

    import subprocess

    def check(stack: str) -> int:
        env = {**os.environ, "FAILSAFE_PROJECT_DIR": str(project)}
        return subprocess.run([sys.executable, "-m", "failsafe", "check", stack], env=env, check=False).returncode

    return check


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m failsafe init", description=__doc__.split("\n\n")[0])
    arguments(parser)
    return run(parser.parse_args(argv))
