"""Settings: declared once, read from defaults, NEWSEARCH_* variables and overrides."""

import pytest

from newsearch.settings import SETTINGS, SettingsError, load_settings, settings_markdown


def test_defaults_when_nothing_is_set():
    values = load_settings(environ={})
    assert values == {s.name: s.convert(s.default) for s in SETTINGS}


def test_environment_overrides_default_and_is_converted():
    values = load_settings(environ={"NEWSEARCH_PAGE_SIZE": "25", "NEWSEARCH_DEBUG": "yes"})
    assert values["page_size"] == 25
    assert values["debug"] is True


def test_explicit_override_beats_environment_any_case():
    values = load_settings({"INDEX": "/tmp/x"}, environ={"NEWSEARCH_INDEX": "/tmp/y"})
    assert values["index"] == "/tmp/x"


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"NEWSEARCH_PAGE_SIZE": "0"}, "page_size"),
        ({"NEWSEARCH_PAGE_SIZE": "ten"}, "page_size"),
        ({"NEWSEARCH_ENGINE": "lucene"}, "engine"),
        ({"NEWSEARCH_DATE_ORDER": "ymd"}, "date_order"),
        ({"NEWSEARCH_DEBUG": "maybe"}, "debug"),
    ],
)
def test_bad_values_name_the_setting_and_its_source(env, name):
    with pytest.raises(SettingsError) as info:
        load_settings(environ=env)
    message = str(info.value)
    assert name in message
    assert next(iter(env)) in message


def test_markdown_lists_every_setting_with_its_variable():
    table = settings_markdown()
    for setting in SETTINGS:
        assert f"`{setting.env}`" in table


def test_batch_size_zero_means_the_engine_default_and_negative_is_refused() -> None:
    assert load_settings(environ={"NEWSEARCH_BATCH_SIZE": "0"})["batch_size"] == 0
    with pytest.raises(SettingsError):
        load_settings(environ={"NEWSEARCH_BATCH_SIZE": "-5"})
