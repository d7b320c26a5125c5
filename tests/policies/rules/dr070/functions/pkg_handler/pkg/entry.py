"""A handler inside a package: handler pkg.entry.main."""


def main(event, context, *extra):
    return {"records": len(event.get("Records", []))}
