"""Credential-free tooling: plan the program under the mock runtime, drive the policy pack over the analyzer
protocol, prove access paths, and the ``failsafe`` CLI. Imports the program; never operations."""
