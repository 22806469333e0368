"""Date condition operators (IAM User Guide, Condition operators, "Date condition operators"): "You must specify
date/time values with one of the W3C implementations of the ISO 8601 date formats or in epoch (UNIX) time";
"Wildcards are not permitted"; no policy variables. Compared as instants (epoch seconds); the format is defined once,
in ``failsafe_guardrails.condition_values.parse_date``."""

from __future__ import annotations

from failsafe.tooling.access.iam.condition.numeric import OrderedFamily
from failsafe_guardrails.condition_values import parse_date

DATE = OrderedFamily("date", parse_date)
