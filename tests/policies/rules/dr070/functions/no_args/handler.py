"""Lambda passes (event, context); this takes nothing."""


def main():
    return {"statusCode": 200}
