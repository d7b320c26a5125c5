"""Deploying compiled specs as CloudFormation StackSets: bootstrap, plan, deploy, status, destroy.

`plan` and `diff` are pure; everything that calls AWS takes its boto3 clients from `aws`, so the
executor can be driven by any endpoint (real AWS, or a local moto server in the tests).
The command line imports this package only inside the deploy commands: boto3 and rich stay out
of `build`'s start-up time.
"""
