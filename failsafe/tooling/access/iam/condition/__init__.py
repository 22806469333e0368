"""Condition operators, one module per family of the IAM User Guide's "Condition operators" page (string, numeric,
date, bool, binary, ip, arn, null), and ``operators`` that compiles a Condition element and applies the
``...IfExists``, ``ForAnyValue:`` and ``ForAllValues:`` rules around them."""
