"""Raises instead of working."""


def main(event, context):
    raise NotImplementedError("failover")
