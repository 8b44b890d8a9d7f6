"""Normal forms of ids and contact values, applied before they are pseudonymised.

So that the same person gets the same keyed hash in every export: phone numbers lose spaces,
dashes, brackets and the +86 / 0086 country code; e-mail addresses are lower-cased. Values that are
masked (``138****1234``) or encrypted by the platform are flagged: they are pseudonymised like any
value (so nobody sees them) but marked with :data:`MASKED` so that they never link customers.
"""
from __future__ import annotations

import pandas as pd

#: Prefix of a pseudonym whose raw value was masked or encrypted (never used to link customers).
MASKED = "masked_"
_ID_JUNK = r"^(?:=\"|[\"'`\t])+|[\"\t]+$"  # ="123", '123, a leading tab: spreadsheet protection of long ids
_ID_JUNK_AT = r"^(?:=\"|[\"'`\t])|[\"\t]$"  # a value _ID_JUNK would change


def clean_ids(text: pd.Series) -> pd.Series:
    """Ids as the platform meant them: without the quote, ``="..."`` or tab that protects long numbers."""
    text = text.astype("string[pyarrow]")  # Arrow's regex kernels: no Python call per row
    if not text.str.contains(_ID_JUNK_AT, regex=True).fillna(False).any():  # the usual case: a match costs less than a replace
        return text.str.strip()
    return text.str.replace(_ID_JUNK, "", regex=True).str.strip()


def normalise_contact(values: pd.Series, column: str) -> tuple[pd.Series, pd.Series]:
    """(normal form, masked mask) of a contact column.

    phone: digits only, without +86 / 0086 / 86 before an 11-digit mobile number; a value with
    ``*`` or one that is not 5-15 digits after cleaning (platform ciphertext) is masked.
    email: stripped and lower-cased; masked if it contains ``*``.
    Other columns (name, address, wechat_id, douyin_id): stripped; masked if they contain ``*``.
    """
    text = values.astype("string").str.strip()
    if column == "phone":
        text = text.str.replace(_ID_JUNK, "", regex=True)
        text = text.str.replace(r"[\s\-()（）.]", "", regex=True)
        text = text.str.replace(r"^(?:\+86|0086|86)(?=1\d{10}$)", "", regex=True)
        masked = text.notna() & (text != "") & (text.str.contains("*", regex=False) | ~text.str.fullmatch(r"\+?\d{5,15}"))
    else:
        if column == "email":
            text = text.str.lower()
        masked = text.notna() & text.str.contains("*", regex=False)
    return text, masked.fillna(False).astype(bool)


def mark_masked(pseudonyms: pd.Series, masked: pd.Series) -> pd.Series:
    """Prefix the pseudonyms of masked values with :data:`MASKED`."""
    out = pseudonyms.copy()
    m = masked.to_numpy(bool) & out.notna().to_numpy()
    out[m] = MASKED + out[m]
    return out
