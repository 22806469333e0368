"""Offline evaluation of AWS IAM policy logic for one request, with Pulumi's unknown-at-preview values.

The access checks ask questions like "can the replication role write to the replica bucket in the DR account?" of
the policies a plan declares, without credentials and before anything exists. This module is the public face of the
evaluator in :mod:`failsafe.tooling.access.iam`, which answers one such question at a time, following the IAM User
Guide: explicit Deny wins everywhere; AWS Organizations SCPs cap the identities of member accounts and RCPs the
resources of member accounts; permissions boundaries and session policies cap identity-based grants; within one
account an Allow in identity OR resource policies suffices, except that KMS key policies and role trust policies are
required; across accounts both sides must allow. Values that Pulumi cannot know at preview (any string containing
:data:`UNKNOWN`) make the affected statements three-valued, and the answer is :attr:`Decision.UNKNOWN` unless the
known parts already decide it. Where the documentation does not settle an answer the evaluator says UNKNOWN too, and
a proof then says "cannot prove":

- an Allow statement with NotPrincipal, which the IAM User Guide ("AWS JSON policy elements: NotPrincipal") says is
  not supported (Access Analyzer: ``ALLOW_WITH_NOT_PRINCIPAL``), for every caller; and NotPrincipal in a role trust
  policy, where it cannot be used at all. With Deny, NotPrincipal keeps its documented meaning: every link of the
  caller's chain (account, role, session) must be listed to be exempt, and a caller with a permissions boundary is
  always denied;
- a condition value that does not parse for its operator (a date, number, IP/CIDR, ARN, Bool, base-64 or Null value
  that is not one, by the definition the policy pack shares: ``failsafe_guardrails.condition_values``), an operator
  IAM does not document, and a request value that does not parse for the operator;
- a document or statement that is no policy (text that is not JSON, a statement without Action...): its statements
  may allow or deny anything. :attr:`Policy.problems` lists what was found; nothing raises, so one malformed document
  in a plan never stops the evaluation of the others.

What it does not model, and what it answers instead:

- **Anonymous callers** (a :class:`Principal` with neither ARN nor account, service or federated name): UNKNOWN.
  Who may act without credentials depends on S3 Block Public Access, ACLs and each service's rules, none of which
  the evaluator is given.
- **VPC endpoint policies**: a request is evaluated as one that passes through no VPC endpoint. Through an endpoint
  its policy would be one more cap; the proofs ask about callers (CI, people, AWS services) that reach AWS directly.
- **Session policies** are modelled (``session=``) but the proofs pass none: the estate passes none at AssumeRole.
  **Permissions boundaries** are modelled (``boundary=``).
- **KMS grants, S3 ACLs and S3 Block Public Access**: not given to the evaluator, so the answer is the one the
  policies it is given decide. Grants and ACLs could add an Allow the answer does not see; Block Public Access
  could refuse a public grant the answer allows.
- **Role sessions**: a role caller given by its role ARN stands for any session of the role; session tags, source
  identity and the session's own context keys are what the request's ``context`` gives, nothing more. Keys the
  context does not give are absent (a missing key fails positive operators), except those derived from the caller,
  the resource account and the organization (see :class:`Request`).
- **Service and web-identity callers** are judged on resource policies (and RCPs) alone: they have no identity
  policies, and SCPs do not apply to them.
- **Service-specific authorization** beyond policies (S3 Object Ownership, KMS key state, the checks a service does
  on its own): not modelled; the answer is what the policies allow.
- **Resources outside the given account**: resource policies are evaluated for the account given as
  ``resource_account`` only.
- **SCP hierarchies** are modelled through :class:`Organization` (an Allow needed at every level); ``scp=`` given
  directly is one level.

Why our own: no maintained Python library evaluates resource policies with conditions and cross-account rules
offline. principalmapper 1.1.5 (last release January 2022, AGPL-3.0) has a local simulator, but it is bound to its
own account-graph model, matches Resource case-insensitively and does not match role sessions against role ARNs.
policyuniverse 1.5.1.20231109 (November 2023) parses policies and ARNs and lists who a resource policy names, but
evaluates no request across identity, resource, boundary and SCP policies. iam-ape 1.1.6 (May 2025) summarises the
identity side of one user or role (with boundaries), not resource policies or cross-account access. iamspy 0.0.1
(July 2022) is a self-declared work-in-progress Z3 model. aws-iam-tester 1.1.0 drives AWS's online policy simulator
(credentials, existing principals); cloudsplaining 0.9.1 reports risky identity policies and evaluates no request.
The maintained simulator we found, @cloud-copilot/iam-simulate, is TypeScript; the package follows its layout. None
models unknown values.

Semantics the package implements and its tests pin (IAM User Guide page per rule): see
``tests/tooling/test_access_evaluator.py``, ``test_access_conditions.py`` and ``test_access_organizations.py``.
"""

from __future__ import annotations

from failsafe.tooling.access.iam.engine import evaluate, evaluate_assume_role, explain
from failsafe.tooling.access.iam.model import UNKNOWN, Decision, Match, Principal, Request, Result, Tri
from failsafe.tooling.access.iam.organizations import Organization
from failsafe.tooling.access.iam.statements import Policy

__all__ = [
    "UNKNOWN",
    "Decision",
    "Match",
    "Organization",
    "Policy",
    "Principal",
    "Request",
    "Result",
    "Tri",
    "evaluate",
    "evaluate_assume_role",
    "explain",
]
