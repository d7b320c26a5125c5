"""The one definition of a credential-like name, shared by the schema and DR010."""

from __future__ import annotations

import pytest

from dr_compiler.credentials import names_a_credential


@pytest.mark.parametrize(
    ("name", "credential"),
    [
        ("DbPass", True),
        ("Pwd", True),
        ("DB_CREDENTIALS", True),
        ("SecretKeyId", True),
        ("ApiKey1", True),
        ("master_password", True),
        ("DBPassword", True),
        ("AuthToken", True),
        ("SecretString", True),
        ("private-key", True),
        ("AccessKey", True),
        ("SecretArn", False),
        ("DB_SECRET_ARN", False),
        ("SecretId", False),
        ("SecretStringTemplate", False),
        ("PasswordLength", False),
        ("SecretRotation", False),
        ("KmsKeyId", False),
        ("UPLOAD_KEY_ID", False),
        ("Bypass", False),
        ("Passenger", False),
        ("CostCenter", False),
    ],
)
def test_names_a_credential(name: str, credential: bool) -> None:
    assert names_a_credential(name) is credential
