"""What `deploy` last applied to the StackSets whose instances take values from earlier waves,
so that a deploy with nothing to change need not read every instance.

Without it, planning such a StackSet reads each instance's ParameterOverrides (one
DescribeStackInstance per instance) and each source instance's outputs (one DescribeStacks per
instance, in its account): calls that grow with accounts. The journal records, per StackSet,
the overrides it gave every instance and a fingerprint of each source StackSet as it was
then. While the fingerprints still match and every instance is CURRENT, those overrides are
still the right ones: a source's outputs change only through an operation on the source, and
every operation changes its fingerprint (template, parameters, or an instance's status, last
operation or overrides; not its StackId, which moto 5.2 makes up anew on every read). A
StackSet's entry is removed before its first operation and written back only once all of
them succeeded, so an interrupted deploy leaves no entry and the next one reads everything
again. Changes made outside dr-compiler's StackSet operations (a stack updated by hand) are
drift, which `status --drift` finds; the journal does not.

The journal is one JSON object in the administering account's artifact bucket of the
administration region (which `bootstrap` makes): one GetObject per run. A missing bucket or
object is an empty journal.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from dr_compiler.deploy.aws import error_code
from dr_compiler.deploy.plan import DeployedStackSet, Target

JOURNAL_FORMAT = "dr-compiler-journal/v1"
MISSING = frozenset({"NoSuchKey", "NoSuchBucket", "404", "NotFound"})


@dataclass(frozen=True)
class Entry:
    sources: Mapping[str, str]
    overrides: Mapping[Target, Mapping[str, str]]


@dataclass
class Journal:
    s3: Any
    bucket: str
    key: str
    entries: dict[str, Entry] = field(default_factory=dict)

    @classmethod
    def load(cls, s3: Any, bucket: str, key: str) -> Journal:
        try:
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as error:
            if error_code(error) in MISSING:
                return cls(s3, bucket, key)
            raise
        document = json.loads(body)
        if document.get("format") != JOURNAL_FORMAT:
            return cls(s3, bucket, key)  # another version's journal: read everything again
        entries = {
            name: Entry(
                dict(entry["sources"]),
                {
                    Target(*target.split("/", 1)): dict(values)
                    for target, values in entry["overrides"].items()
                },
            )
            for name, entry in document["stack_sets"].items()
        }
        return cls(s3, bucket, key, entries)

    def record(self, name: str, entry: Entry) -> None:
        self.entries[name] = entry
        self._save()

    def forget(self, name: str) -> None:
        if self.entries.pop(name, None) is not None:
            self._save()

    def _save(self) -> None:
        document = {
            "format": JOURNAL_FORMAT,
            "stack_sets": {
                name: {
                    "sources": dict(sorted(entry.sources.items())),
                    "overrides": {
                        str(target): dict(sorted(values.items()))
                        for target, values in sorted(entry.overrides.items())
                    },
                }
                for name, entry in sorted(self.entries.items())
            },
        }
        body = json.dumps(document, indent=1, sort_keys=True).encode()
        self.s3.put_object(
            Bucket=self.bucket, Key=self.key, Body=body, ContentType="application/json"
        )


def fingerprint(state: DeployedStackSet | None) -> str:
    """Everything about a deployed StackSet that changes when an operation runs on it."""
    if state is None:
        return "absent"
    document = {
        "template": state.template_body,
        "parameters": dict(sorted(state.parameters.items())),
        "instances": [
            [
                str(i.target),
                i.status,
                i.detailed_status,
                i.last_operation,
                dict(sorted(i.overrides.items())),
            ]
            for i in sorted(state.instances, key=lambda i: i.target)
        ],
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def usable(entry: Entry | None, state: DeployedStackSet | None, sources: Mapping[str, str]) -> bool:
    """Whether `entry` still tells this StackSet's overrides: the same source fingerprints,
    and every instance CURRENT and journaled."""
    if entry is None or state is None or dict(entry.sources) != dict(sources):
        return False
    return all(i.status == "CURRENT" and i.target in entry.overrides for i in state.instances)
