"""DnsFailover on its own: an IP primary (one health check per address, combined) and a CNAME secondary.

Route 53 publishes health-check metrics in us-east-1 of the account that owns the check, so the alarm gets a
provider in us-east-1 of the same account (FACTS: Route 53 health checks and CloudWatch).
"""

import pulumi
import pulumi_aws as aws

from failsafe_components.dns_failover import DnsFailover, DnsFailoverArgs
from failsafe_components.spec import DnsTarget

config = pulumi.Config()
account = config.require("accountId")
role = {"role_arn": config.require("roleArn")}

# Route 53 is global; the provider's region only decides where the API calls go
dns = aws.Provider("dns", region="us-east-1", allowed_account_ids=[account], assume_roles=[role])
metrics = aws.Provider("metrics", region="us-east-1", allowed_account_ids=[account], assume_roles=[role])

failover = DnsFailover(
    "app",
    DnsFailoverArgs(
        record_name=config.require("recordName"),
        zone_id=config.require("zoneId"),
        primary=DnsTarget("ip", config.require("primaryAddresses")),
        secondary=DnsTarget("cname", config.require("secondaryHost")),
        rto_budget_seconds=300,
        alarm_provider=metrics,
        name_prefix="example",
    ),
    opts=pulumi.ResourceOptions(provider=dns),
)
pulumi.export("worstCaseSeconds", failover.worst_case_seconds)
pulumi.export("healthCheckId", failover.health_check_id)
