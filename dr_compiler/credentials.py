"""What a credential-like key name is: the one definition the schema and DR010 share.

A name is split into words (camelCase, snake_case, kebab-case, digits: `DbPass` -> db pass,
`DB_CREDENTIALS` -> db credentials, `ApiKey1` -> api key 1) and is credential-like when it
holds a credential noun:

- a key compound, anywhere: api key, access key, secret key, private key, signing key
  (`SecretKeyId`, `ApiKey1`);
- a credential word (pass, password, passwd, passphrase, pwd, credential(s), token, secret),
  unless a word after it says the name is about a credential, not one: a pointer to where
  it lives (`SecretArn`, `DB_SECRET_ARN`, `SecretId`, `SecretStringTemplate`) or a setting
  of it (`PasswordLength`, `SecretRotation`).

Whole words, not substrings: `bypass`, `compass` or `Passenger` are not passwords.
"""

from __future__ import annotations

import functools
import re

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_CREDENTIAL_WORDS = frozenset(
    {
        "pass",
        "password",
        "passwd",
        "passphrase",
        "pwd",
        "credential",
        "credentials",
        "token",
        "secret",
    }
)
_KEY_QUALIFIERS = frozenset({"api", "access", "secret", "private", "signing"})
# Words that make a name about a credential rather than the credential itself.
_ABOUT_A_CREDENTIAL = frozenset(
    {
        "arn",
        "id",
        "name",
        "template",
        "ref",
        "path",
        "version",
        "length",
        "policy",
        "rotation",
        "expiration",
        "expiry",
        "required",
    }
)


def _words(name: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(name)]


@functools.cache
def names_a_credential(name: str) -> bool:
    """True for a key, property, variable or tag name that holds a credential value."""
    words = _words(name)
    for index, word in enumerate(words):
        if word in _KEY_QUALIFIERS and words[index + 1 : index + 2] == ["key"]:
            return True
        if word in _CREDENTIAL_WORDS and not set(words[index + 1 :]) & _ABOUT_A_CREDENTIAL:
            return True
    return False
