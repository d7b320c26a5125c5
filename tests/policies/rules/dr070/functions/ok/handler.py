"""A working handler."""


def main(event, context):
    return {"statusCode": 200, "body": str(len(event))}
