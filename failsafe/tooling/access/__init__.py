"""Access proofs: AWS policy evaluation over a plan, and the catalogue of paths the estate needs or forbids.

``evaluator`` decides one request the way AWS would (offline, with Pulumi's unknowns); ``collect`` gathers the
policies a plan declares; ``catalogue`` is the reviewed list of required and forbidden paths; ``proofs`` resolves the
catalogue against the plans and evaluates it (run by ``python -m failsafe check``; see docs/access-proofs.md).
"""
