"""Each region's customer managed key. Deleting it makes every copy it encrypted unreadable,
so it is kept like data."""

from __future__ import annotations

from dr_compiler.blocks.descriptor import Block, Keeps, ResourceKind

KEY = ResourceKind("AWS::KMS::Key", "KMS key", keeps=Keeps.DATA)
ALIAS = ResourceKind("AWS::KMS::Alias", "KMS alias", name_properties=("AliasName",))

BLOCK = Block("KMS key", (KEY, ALIAS))
