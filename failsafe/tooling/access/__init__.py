"""Access proofs: AWS policy evaluation over a plan, and the catalogue of paths the estate needs or forbids."""
