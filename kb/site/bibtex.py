"""BibTeX for an entry, built from its fields: `entry_to_bibtex(entry) -> str`.

The citation key is the entry id (unique in the KB and stable). Papers with a venue other than arXiv
become @article (journal = venue); other papers and every other type become @misc, with the arXiv
identifier as eprint. Values are LaTeX-escaped so that any text yields a well-formed record; `doi` and
`url` are verbatim fields, left out when they hold braces, backslashes or spaces (and `url` unless http(s)).
"""
from __future__ import annotations

import re

from .safe import http_url

_LATEX = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}", "&": r"\&",
          "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_LATEX_SPECIALS = re.compile("|".join(map(re.escape, _LATEX)))


def latex_escape(value) -> str:
    """Text as a BibTeX field value: LaTeX specials escaped, braces always balanced, one line."""
    return _LATEX_SPECIALS.sub(lambda m: _LATEX[m.group()], " ".join(str(value).split()))


def _verbatim_ok(value) -> bool:
    """doi and url are verbatim fields (no LaTeX escapes): only emitted when they need none."""
    return isinstance(value, str) and bool(value) and not re.search(r"[{}\\\s]", value)


def entry_to_bibtex(entry) -> str:
    """The entry as one BibTeX record (text ending in a newline)."""
    data = entry.data
    venue = data.get("venue")
    is_article = entry.type == "paper" and venue and "arxiv" not in str(venue).lower()
    fields = [("title", "{" + latex_escape(entry.title) + "}")]  # inner braces keep the title's capitals
    if entry.people:
        fields.append(("author", " and ".join(latex_escape(p) for p in entry.people)))
    if entry.year:
        fields.append(("year", str(entry.year)))
    if is_article:
        fields.append(("journal", latex_escape(venue)))
    elif venue or data.get("institution"):
        fields.append(("howpublished", latex_escape(venue or data.get("institution"))))
    if data.get("arxiv"):
        fields += [("eprint", latex_escape(data["arxiv"])), ("archiveprefix", "arXiv")]
    fields += [("doi", data["doi"])] if _verbatim_ok(data.get("doi")) else []
    fields += [("url", data["url"])] if _verbatim_ok(data.get("url")) and http_url(data["url"]) else []
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{'article' if is_article else 'misc'}{{{entry.id},\n{body}\n}}\n"
