"""Turning YAML values into safe page text: every value is escaped, `why` is Markdown without raw HTML,
and only http(s) links survive.

Entries are reviewed, but the site must stay safe even when a hostile value slips through: a `<script>`
or an `onerror=` in any field must reach the built HTML as visible text, never as markup.
"""
from __future__ import annotations

import html
import re
from functools import lru_cache
from urllib.parse import urlsplit

# python-markdown's own backslash escapes (< > & are HTML-escaped first): escaped, they render as themselves
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!])")
_WHITESPACE = re.compile(r"\s+")


def text(value) -> str:
    """Any value as HTML-escaped text (quotes too, so it is also safe inside an attribute)."""
    return html.escape("" if value is None else str(value), quote=True)


def page_title(value) -> str:
    """A page or nav title for the theme, which prints it unescaped, or through `striptags` (which also
    unescapes entities) inside <title>: angle brackets become look-alikes, so no unescaping can make a tag."""
    return text(_WHITESPACE.sub(" ", str(value)).strip().replace("<", "‹").replace(">", "›"))


def front_matter(title, **options) -> str:
    """YAML front matter (as JSON, which is YAML) with the page's title and other page options."""
    import json
    return "---\n" + json.dumps({"title": page_title(title), **options}, ensure_ascii=False) + "\n---\n\n"


def md_text(value) -> str:
    """A value as one line of Markdown that renders as exactly this text (for headings)."""
    escaped = html.escape(_WHITESPACE.sub(" ", str(value)).strip(), quote=False)
    return _MARKDOWN_SPECIALS.sub(r"\\\1", escaped)


def http_url(value) -> str | None:
    """The value if it is an absolute http(s) URL with a host, else None: nothing else becomes a link."""
    if not isinstance(value, str) or any(c in value for c in "\x00\n\r\t <>\"'`"):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme in ("http", "https") and parts.hostname else None


def link(url, label, css: str = "") -> str:
    """An <a> to an http(s) URL, or the label as plain text when the URL is anything else."""
    safe = http_url(url)
    if safe is None:
        return text(label)
    attrs = f' class="{css}"' if css else ""
    return f'<a href="{text(safe)}"{attrs}>{text(label)}</a>'


def markdown_html(source) -> str:
    """Curator Markdown (`why`, `for_whom`, `caveats`) as HTML: raw HTML is shown as text, and links or
    images to anything but http(s) lose their target."""
    return _markdown().reset().convert("" if source is None else str(source))


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")  # [label](target) and images: the label only
_LINE_MARK = re.compile(r"^[ \t]{0,3}(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+)", re.M)  # headings, quotes, bullets
_EMPHASIS = re.compile(r"(?<![\w*])[*_]{1,3}(?=\S)|(?<=\S)[*_]{1,3}(?![\w*])|`+")  # at word edges only


def plain_text(source) -> str:
    """Markdown as the words a reader sees (not escaped): link labels without targets, no emphasis or
    heading marks, and everything else (`<`, `>`, `a_b`) kept as written."""
    text = _LINE_MARK.sub("", str(source or ""))
    return _EMPHASIS.sub("", _LINK.sub(r"\1", text))


def summary(source, limit: int = 260) -> str:
    """The first lines of some Markdown as plain text (not escaped), cut at a word near `limit` characters."""
    words = plain_text(source).split()
    result = ""
    for word in words:
        if len(result) + len(word) + 1 > limit:
            return result.rstrip(",;:") + " …"
        result = f"{result} {word}" if result else word
    return result


@lru_cache(maxsize=1)
def _markdown():
    import markdown
    from markdown.treeprocessors import Treeprocessor

    class KeepHttpLinksOnly(Treeprocessor):
        def run(self, root):
            for element in root.iter():
                for attribute in ("href", "src"):
                    if attribute in element.attrib and http_url(element.attrib[attribute]) is None:
                        del element.attrib[attribute]

    md = markdown.Markdown(extensions=["sane_lists"], output_format="html")
    # Without these two, raw HTML in the source is escaped like any other text.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.treeprocessors.register(KeepHttpLinksOnly(md), "keep_http_links_only", 0)
    return md
