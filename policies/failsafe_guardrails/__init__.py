"""Rules of the failsafe-guardrails policy pack, one module per AWS service or concern; ``catalog.POLICIES`` lists
them all. Importable without starting the analyzer server. This file imports nothing, so that ``mfa`` (standard
library only) can be imported where pulumi_policy is not installed."""
