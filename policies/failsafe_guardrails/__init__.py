"""Rules of the failsafe-guardrails policy pack; importable without starting the analyzer server."""
