"""failsafe: load config -> build providers -> build this stack's components -> export outputs."""

import pulumi

from failsafe import providers
from failsafe.config import ConfigError, Role, load_from_pulumi

try:
    cfg = load_from_pulumi()
except ConfigError as error:
    raise pulumi.RunError(str(error)) from None

aws = providers.build(cfg)
opts = pulumi.ResourceOptions(provider=aws.home)

if cfg.role is Role.DR:
    pulumi.export("backupAccountId", cfg.accounts.backup)
elif cfg.role is Role.PROD:
    dr = pulumi.StackReference("dr", stack_name=cfg.dr_stack_name)
    pulumi.export("drStack", dr.name)
else:
    pulumi.export("prNumber", cfg.preview.pr_number if cfg.preview else None)
