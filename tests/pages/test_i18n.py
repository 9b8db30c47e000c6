"""Translations: the catalogue is complete and current, and the Chinese page uses it."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.i18n import catalogue_path, load_translations
from app.pages.labels import KERNEL_LABELS
from convcore import ConvcoreError, conv2d
from convcore.presets import kernel_presets
from tests.pages.conftest import soup

ROOT = Path(__file__).resolve().parents[2]


def _extracted() -> set[str]:
    """Every msgid pybabel extracts with ``app/locale/babel.cfg`` (app, templates, convcore)."""
    with (ROOT / "app" / "locale" / "babel.cfg").open() as cfg:
        method_map, options = parse_mapping_cfg(cfg)
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_chinese_catalogue_is_complete_and_current():
    with catalogue_path("zh_Hans").open("rb") as po:
        catalog = read_po(po)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    missing = _extracted() - translated
    assert not missing, f"untranslated (run pybabel update, see app/i18n.py): {sorted(missing)}"


def test_convcore_error_templates_are_extracted_and_keep_their_fields():
    # a page shows gettext(err.template).format(**err.values): a translation must use
    # exactly the template's fields, or format() fails (or drops a value)
    extracted = _extracted()
    assert "{name} must be positive, got {name}={value}" in extracted
    with catalogue_path("zh_Hans").open("rb") as po:
        catalog = read_po(po)
    templates = [m for m in catalog if m.id and "python-brace-format" in m.flags]
    assert len(templates) > 50
    for message in templates:
        assert _fields(message.string) == _fields(message.id), message.id
    with pytest.raises(ConvcoreError) as caught:
        conv2d([[1.0, 2.0]], [[1.0]], stride=0)
    err = caught.value
    shown = load_translations("zh").gettext(err.template).format(**err.values)
    assert shown == "stride 必须为正数，收到的是 stride=0"


def _fields(text: str) -> set[tuple[str, str | None]]:
    return {(name, conv) for _, name, _, conv in string.Formatter().parse(text) if name}


def test_every_kernel_preset_has_a_label():
    assert set(kernel_presets()) <= set(KERNEL_LABELS)


def test_catalogue_compiles_and_translates():
    zh = load_translations("zh")
    assert zh.gettext("Kernel") == "卷积核"
    assert load_translations("en").gettext("Kernel") == "Kernel"


@pytest.mark.anyio
async def test_chinese_page(client):
    page = soup(await client.get("/?lang=zh&tab=im2col"))
    assert page.html["lang"] == "zh-Hans"
    legends = [legend.get_text(strip=True) for legend in page.select("form#controls legend")]
    assert legends == ["输入", "卷积核", "窗口"]
    assert page.select_one("#step-count").get_text(strip=True) == "第 1 步，共 4 步"
    assert page.select_one(".tabs [aria-current=page]").get_text(strip=True) == "im2col"
    # links keep the language, and the switch leads back to English with the same view
    assert "lang=zh" in page.select_one("#step-next")["href"]
    english = page.select_one(".langs a[hreflang=en]")["href"]
    assert "lang" not in english
    assert "tab=im2col" in english
