"""`kefu check` settings problems: production without a real e-mail transport is reported."""

from __future__ import annotations

from kefu.checks import check_settings


def test_file_transport_in_production_is_a_warning(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PRODUCTION = True
    settings.DEBUG = False
    settings.SECRET_KEY = "x" * 50
    settings.KEFU_OUTBOX_EMAIL_TRANSPORT = "file"
    problems = check_settings()
    assert any(level == "warning" and "KEFU_OUTBOX_EMAIL_TRANSPORT=file" in text for level, text in problems)
    settings.KEFU_OUTBOX_EMAIL_TRANSPORT = "smtp"
    assert not any("KEFU_OUTBOX_EMAIL_TRANSPORT" in text for _level, text in check_settings())


def test_file_transport_is_fine_outside_production(settings) -> None:  # type: ignore[no-untyped-def]
    settings.PRODUCTION = False
    settings.KEFU_OUTBOX_EMAIL_TRANSPORT = "file"
    assert not any("KEFU_OUTBOX_EMAIL_TRANSPORT" in text for _level, text in check_settings())


def test_missing_public_url_warns_in_development_and_is_an_error_in_production(settings) -> None:  # type: ignore[no-untyped-def]
    settings.KEFU_PUBLIC_URL = ""
    settings.PRODUCTION = False
    assert [lvl for lvl, text in check_settings() if "KEFU_PUBLIC_URL" in text] == ["warning"]
    settings.PRODUCTION = True
    settings.DEBUG = False
    settings.SECRET_KEY = "x" * 50
    assert [lvl for lvl, text in check_settings() if "KEFU_PUBLIC_URL" in text] == ["error"]
    settings.KEFU_PUBLIC_URL = "https://kefu.example.com"
    assert not any("KEFU_PUBLIC_URL" in text for _lvl, text in check_settings())
