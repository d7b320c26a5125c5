"""A stub that was never filled in."""


def main(event, context):
    """Handle the event."""
    pass
