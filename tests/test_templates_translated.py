"""Every word a person reads in a template goes through the translation machinery: text between
tags and the attributes people read (title, aria-label, placeholder, alt) hold nothing but
template tags, variables and punctuation once {% translate %} / {% blocktranslate %} are taken
out. The German, Japanese and Indonesian catalogues can then be complete."""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
#: Words that are the same in every language: the product's name.
UNTRANSLATED = {"mapapp"}
READ_ATTRIBUTES = re.compile(r'\b(?:title|aria-label|placeholder|alt)="([^"]*)"')


def _without_template_code(text: str) -> str:
    text = re.sub(r"\{#.*?#\}", " ", text, flags=re.DOTALL)
    text = re.sub(r"\{%\s*blocktranslate\b.*?\{%\s*endblocktranslate\s*%\}", " ", text, flags=re.DOTALL)
    text = re.sub(r"\{%.*?%\}", " ", text, flags=re.DOTALL)
    return re.sub(r"\{\{.*?\}\}", " ", text, flags=re.DOTALL)


def words_left(text: str) -> list[str]:
    text = _without_template_code(text)
    attributes = " ".join(READ_ATTRIBUTES.findall(text))
    # Scripts, styles and code samples are not prose (an HTTP header stays as it is).
    text = re.sub(r"<(script|style|code)\b.*?</\1>", " ", text, flags=re.DOTALL)
    text = re.sub(r"<[^>]*>", " ", text, flags=re.DOTALL)
    return [w for w in re.findall(r"[A-Za-z][A-Za-z']+", f"{text} {attributes}") if w not in UNTRANSLATED]


def test_the_scan_finds_plain_text_and_read_attributes():
    assert words_left('<p>Hello</p><a title="Open it">{% translate "x" %}</a>') == ["Hello", "Open", "it"]
    assert words_left('<p>{% translate "Hello" %} {{ name }}</p>') == []
    assert words_left("{% blocktranslate %}Hi {{ x }}{% endblocktranslate %}") == []


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_untranslated_words_in_templates(path):
    assert words_left(path.read_text(encoding="utf-8")) == []
