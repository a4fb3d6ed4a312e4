"""User text shown in Markdown cannot make links, images or markup (ui/widgets.py md_escape)."""

import pytest


@pytest.mark.parametrize("text", [
    '=HYPERLINK("http://evil.example/x")', "see www.evil.example", "write to a@evil.example",
    "[click](http://evil.example)", "![img](http://evil.example/i.png)", "<img src=x onerror=alert(1)>",
    ":red-background[loud] :material/home:", "$x^2$", "&lt;b&gt;",
])
def test_user_text_in_markdown_cannot_make_links_images_or_markup(text):
    from ui.widgets import md_escape

    escaped = md_escape(text)
    unescaped_markup = []
    chars = iter(escaped)
    for ch in chars:
        if ch == "\\":
            next(chars, None)  # an escaped character is shown as itself
        elif ch in "<>[]()!$&*_`:#|~=":
            unescaped_markup.append(ch)
    assert unescaped_markup == []
    shown = escaped.replace("\\", "")
    for autolink in ("://", "www.", "@evil"):
        assert autolink not in shown  # broken by an invisible joiner, so nothing is linked by itself
    # The words themselves are all still there for a person to read.
    assert shown.replace("\u2060", "") == text
