"""A stub with a note."""


def main(event, context):
    # TODO: process the payment
    return None
