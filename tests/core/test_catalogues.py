"""Every text key used in code or templates exists in both languages, alike in shape."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.i18n import LOCALES, Catalogues, normalize_locale

pytestmark = pytest.mark.no_database

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("bot", "admin", "rewards", "core", "moralbank")
# t("key") / t("key", x=…) in Python and Jinja, and families such as t(f"error.{code}") or
# Jinja's t("role." ~ role) whose members are checked as a prefix.
KEY_CALL = re.compile(r"""\b(?:t|_)\(\s*(f?)["']([a-z0-9_.{}]+)["'](\s*~)?""")
PLACEHOLDER = re.compile(r"{(\w+)}")


def _used_keys() -> tuple[set[str], set[str]]:
    exact: set[str] = set()
    prefixes: set[str] = set()
    for package in SOURCES:
        for path in (ROOT / package).rglob("*"):
            if path.suffix not in {".py", ".html"}:
                continue
            for is_f, key, joined in KEY_CALL.findall(path.read_text("utf-8")):
                if joined:
                    prefixes.add(key)
                elif is_f and "{" in key:
                    prefixes.add(key.split("{", 1)[0])
                else:
                    exact.add(key)
    return exact, prefixes


def test_every_used_key_is_translated_in_every_locale(catalogues: Catalogues) -> None:
    exact, prefixes = _used_keys()
    assert exact, "no keys found: the scan is broken"
    for locale in LOCALES:
        missing = exact - catalogues.keys(locale)
        assert not missing, f"{locale} lacks {sorted(missing)}"
        for prefix in prefixes:
            assert any(k.startswith(prefix) for k in catalogues.keys(locale)), (locale, prefix)


def test_both_locales_have_the_same_keys_and_placeholders(catalogues: Catalogues) -> None:
    zh, en = (catalogues.translator(locale).messages for locale in LOCALES)
    assert zh.keys() == en.keys()
    for key in zh:
        assert set(PLACEHOLDER.findall(zh[key])) == set(PLACEHOLDER.findall(en[key])), key


def test_every_domain_error_has_a_message(catalogues: Catalogues) -> None:
    from core.errors import DomainError
    from ledger import errors as ledger_errors  # noqa: F401  (registers the subclasses)
    from rewards import errors  # noqa: F401
    from rewards.redemption import errors as redemption_errors  # noqa: F401

    def codes(cls: type[DomainError]) -> set[str]:
        return {cls.code}.union(*(codes(sub) for sub in cls.__subclasses__()))

    for locale in LOCALES:
        missing = {f"error.{c}" for c in codes(DomainError)} - catalogues.keys(locale)
        assert not missing, (locale, missing)


def test_client_language_tags_map_to_our_locales() -> None:
    assert normalize_locale("en") == "en"
    assert normalize_locale("en-US") == "en"
    assert normalize_locale("zh-hans") == "zh_Hans"
    assert normalize_locale("zh-TW") == "zh_Hans"
    assert normalize_locale(None) == "zh_Hans"
    assert normalize_locale("fr") == "zh_Hans"


def test_every_role_and_language_has_a_name(catalogues: Catalogues) -> None:
    from rewards.staff.models import Role

    wanted = {f"role.{role.value}" for role in Role} | {f"language.option.{c}" for c in LOCALES}
    for locale in LOCALES:
        assert not wanted - catalogues.keys(locale), locale
