"""One error type for every bad input to the stats core.

A subclass of ValueError so callers that already catch ValueError keep working, while
engines can catch exactly the failures that come from the data they were handed.
"""


class TallyError(ValueError):
    """Bad input to a Tally: the message says what, where, and how to fix it, on one line."""
