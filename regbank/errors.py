"""Errors the CLI reports as a message and a non-zero exit, without a traceback."""


class RegbankError(Exception):
    """A problem the user can fix; str(error) is the message to print."""

    exit_code = 2
