"""The one error type components raise for bad arguments."""

import pulumi


class ComponentArgsError(pulumi.RunError, ValueError):
    """Bad component arguments, raised at construction before any child exists.

    The message names the argument, the value and what is expected. It is a ``pulumi.RunError`` so the
    Pulumi language host prints that one line and no traceback (it catches ``RunError`` separately from
    every other exception), wherever in ``__main__.py`` the component is built; it is also a
    ``ValueError`` so callers outside a Pulumi program can catch it as plain bad input.
    """


def bad_arg(args: str, arg: str, value: object, expected: str) -> ComponentArgsError:
    """The one error format of every component: ``<ArgsClass>.<arg>=<value>: expected <what>``."""
    return ComponentArgsError(f"{args}.{arg}={value!r}: expected {expected}")
