"""Languages of the pages: gettext catalogues (Babel) behind Jinja's i18n extension.

Catalogues live in ``app/locale/<locale>/LC_MESSAGES/messages.po``. They are compiled in
memory with Babel when the app starts, so there is no ``.mo`` file to forget to rebuild.
To add strings after editing a template, from the repository root::

    .venv/bin/pybabel extract -F app/locale/babel.cfg -o /tmp/messages.pot .
    .venv/bin/pybabel update -i /tmp/messages.pot -d app/locale -l zh_Hans

then translate the new entries (``tests/pages/test_i18n.py`` fails until every one is).
``babel.cfg`` also extracts convcore's error templates (the first argument of every
``ConvcoreError``): a page shows ``gettext(err.template).format(**err.values)``, so a
translation must keep the template's ``{fields}`` (the same test checks it).
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Mapping
from io import BytesIO
from pathlib import Path
from typing import Any

import jinja2
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"

#: Language code in the URL → (Babel locale of its catalogue or None for the source
#: language, the HTML ``lang`` attribute, the name shown in the switch).
LANGUAGES: dict[str, tuple[str | None, str, str]] = {
    "en": (None, "en", "English"),
    "zh": ("zh_Hans", "zh-Hans", "简体中文"),
}


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name for "mark only"
    """Mark a string for extraction without translating it (it is translated where shown)."""
    return message


def catalogue_path(locale: str) -> Path:
    """Where the ``.po`` file of ``locale`` lives."""
    return LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"


def load_translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (a key of :data:`LANGUAGES`); fuzzy entries skipped."""
    locale = LANGUAGES[lang][0]
    if locale is None:
        return gettext.NullTranslations()
    with catalogue_path(locale).open("rb") as po:
        catalog = read_po(po, locale=locale)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled)


def template_environments(
    template_dir: Path, filters: Mapping[str, Callable[..., Any]]
) -> dict[str, jinja2.Environment]:
    """One Jinja environment per language, each with its catalogue installed.

    One environment per language (rather than swapping translations per request) keeps
    rendering free of shared mutable state, so concurrent requests cannot mix languages.
    The catalogue is also the ``translations`` global, for the cell labels worked out in
    Python (:func:`plain_gettext`).
    """
    environments = {}
    for lang in LANGUAGES:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(template_dir),
            auto_reload=False,  # templates are compiled once, not stat'ed on every render
            cache_size=-1,
            autoescape=jinja2.select_autoescape(default=True),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
        )
        translations = load_translations(lang)
        env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
        env.filters.update(filters)
        env.globals["LANGUAGES"] = LANGUAGES
        env.globals["lang"] = lang
        env.globals["translations"] = translations  # for labels worked out in Python
        environments[lang] = env
    return environments


def plain_gettext(env: jinja2.Environment) -> Callable[[str], str]:
    """The ``gettext`` of an environment made by :func:`template_environments`.

    Unlike the templates' ``_``, it neither formats nor escapes: callers format, and the
    templates escape what they print.
    """
    translations: gettext.NullTranslations = env.globals["translations"]  # type: ignore[assignment]
    return translations.gettext
