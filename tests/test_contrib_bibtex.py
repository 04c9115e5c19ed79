"""BibTeX import (accents, @string macros, duplicates, malformed blocks, non-ASCII keys, --dry-run) and
the exports (BibTeX round trip, CSL-JSON, versioned JSON)."""
from __future__ import annotations

import datetime
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kb.contrib.bibtex import TODO_WHY, import_bibtex
from kb.contrib.export import EXPORT_VERSION, export_text
from kb.model import load_entries, read_entry, schema_version
from kb.validate import validate

BIB = Path(__file__).parent / "data" / "contrib" / "import.bib"
IMPORT = ["--domain", "machine-learning", "--audience", "researcher"]
WRITTEN = ["entries/paper/godels-theorems-neural-networks-2020.yaml",
           "entries/paper/study-100-accuracy-angstrom-units-2023.yaml",
           "entries/paper/tildes-percents-2022.yaml"]


def test_import_reports_and_writes_what_it_should(kb_copy, cli):
    result = cli(kb_copy, "import-bibtex", BIB, *IMPORT)
    assert result.exit_code == 1  # a malformed block and an incomplete record need attention
    assert result.stdout.splitlines() == [f"wrote {p}" for p in WRITTEN]
    name = str(BIB)
    assert (f"{name}:13: skipped dup-of-coconut: duplicate: the KB already has this resource as "
            "`coconut-latent-reasoning`") in result.output
    assert f"{name}:21: malformed block broken: Unexpected block start" in result.output
    assert f"{name}:33: skipped noyear: incomplete: no year" in result.output
    assert f"{name}:39: skipped again: duplicate" in result.output
    assert "godels-theorems-neural-networks-2020" in result.output


def test_imported_fields_decoded_and_verbatim(kb_copy, cli):
    cli(kb_copy, "import-bibtex", BIB, *IMPORT)
    godel, study, tildes = (read_entry(kb_copy / p, kb_copy).data for p in WRITTEN)
    assert godel["title"] == "On Gödel's Theorems for Neural Networks"
    assert godel["authors"] == ["Jörg Müller", "José García"]
    assert godel["venue"] == "Advances in Neural Information Processing Systems"  # from @string
    assert godel["doi"] == "10.5555/kb-test.0101" and godel["url"] == "https://doi.org/10.5555/kb-test.0101"
    assert study["title"] == "A Study with 100% Accuracy and Ångström Units"
    assert study["arxiv"] == "2301.00001" and study["url"] == "https://arxiv.org/abs/2301.00001"
    assert tildes["url"] == "https://example.org/~roe/paper_1%20v2.pdf"
    assert godel["why"] == TODO_WHY + "\n" and godel["added"] == datetime.date.today().isoformat()


def test_imported_entries_fail_validation_only_on_their_todos(kb_copy, cli):
    cli(kb_copy, "import-bibtex", BIB, *IMPORT)
    report = validate(kb_copy, [kb_copy / p for p in WRITTEN])
    assert {(p.path, p.code) for p in report.errors} == {(p, "todo") for p in WRITTEN} and len(report.errors) == 6


def test_dry_run_writes_nothing(kb_copy, cli):
    before = sorted((kb_copy / "entries").rglob("*"))
    result = cli(kb_copy, "import-bibtex", "--dry-run", BIB, *IMPORT)
    assert result.stdout.splitlines() == [f"would write {p}" for p in WRITTEN]
    assert sorted((kb_copy / "entries").rglob("*")) == before


def test_domain_and_audience_are_required_and_checked(kb_copy, cli):
    assert cli(kb_copy, "import-bibtex", BIB, "--audience", "researcher").exit_code == 2
    unknown = cli(kb_copy, "import-bibtex", BIB, "--domain", "machine-learnin", "--audience", "researcher")
    assert unknown.exit_code == 2 and "did you mean `machine-learning`" in unknown.output


def test_a_file_that_is_not_utf8_is_a_usage_error(kb_copy, cli, tmp_path):
    latin = tmp_path / "latin.bib"
    latin.write_bytes("@misc{a, title={G\u00f6del}}".encode("latin-1"))
    result = cli(kb_copy, "import-bibtex", latin, *IMPORT)
    assert result.exit_code == 2 and "not UTF-8" in result.output


def test_importing_the_same_file_twice_skips_everything(kb_copy):
    text = BIB.read_text(encoding="utf-8")
    first = import_bibtex(kb_copy, text, ["machine-learning"], ["researcher"])
    second = import_bibtex(kb_copy, text, ["machine-learning"], ["researcher"])
    assert len(first.written) == 3 and second.written == []
    assert sum(s.reason.startswith("duplicate") for s in second.skipped) == 5


def test_bibtex_export_of_the_real_kb_is_one_record_per_entry(repo_root, cli):
    import bibtexparser

    result = cli(repo_root, "export", "--format", "bibtex")
    assert result.exit_code == 0 and result.stderr == ""
    library = bibtexparser.parse_string(result.stdout)
    entries = load_entries(repo_root)[0]
    assert library.failed_blocks == []
    assert sorted(record.key for record in library.entries) == sorted(e.id for e in entries)
    kinds = {record.key: (record.entry_type, record.fields_dict.get("entrysubtype")) for record in library.entries}
    for entry in entries:
        kind, subtype = kinds[entry.id]
        if entry.type == "paper":
            assert kind in ("article", "misc") and subtype is None, entry.id
        else:
            assert kind == "online" and subtype.value == entry.type, entry.id
    assert "@comment{jabref-meta: databaseType:biblatex;}" in result.stdout  # JabRef: biblatex mode


def test_bibtex_round_trip_restores_every_type(repo_root, empty_kb, tmp_path, cli):
    bib = tmp_path / "kb.bib"
    assert cli(repo_root, "export", "--format", "bibtex", "--output", bib).exit_code == 0
    result = cli(empty_kb, "import-bibtex", bib, *IMPORT)
    assert result.exit_code == 0 and "warning" not in result.stderr, result.stderr

    def identity(entries):
        return sorted((e.type, e.title, e.people, e.year, e.url, e.data.get("arxiv"), e.data.get("doi"))
                      for e in entries)

    original = load_entries(repo_root)[0]
    assert {e.type for e in original} == {"paper", "lecture-series", "research-guide"}
    assert identity(load_entries(empty_kb)[0]) == identity(original)
    again = cli(repo_root, "import-bibtex", "--dry-run", bib, *IMPORT)  # into the KB they came from
    assert again.exit_code == 0 and again.stdout == "" and again.stderr.count(": duplicate: ") == len(original)


def test_csl_json_export(repo_root, cli):
    items = json.loads(cli(repo_root, "export", "--format", "csl-json").stdout)
    assert len(items) == len(load_entries(repo_root)[0])
    olmo = next(i for i in items if i["id"] == "olmo-accelerating-science-of-language-models")
    assert olmo["type"] == "article-journal" and olmo["DOI"] == "10.18653/v1/2024.acl-long.841"
    assert olmo["issued"] == {"date-parts": [[2024]]} and olmo["author"][0] == {"literal": "Dirk Groeneveld"}
    hamming = next(i for i in items if i["id"] == "you-and-your-research-hamming")
    assert hamming["issued"] == {"date-parts": [[1986, 3, 7]]} and hamming["type"] == "article"
    assert {i["type"] for i in items} == {"article", "article-journal", "speech"}


def test_versioned_json_export(repo_root):
    now = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    text, skipped = export_text(repo_root, "json", now)
    dump = json.loads(text)
    assert skipped == 0 and dump["format"] == "kb-export" and dump["version"] == EXPORT_VERSION
    assert dump["schema_version"] == schema_version() and dump["license"] == "CC-BY-SA-4.0"
    assert dump["generated"] == "2026-01-02T03:04:05+00:00"
    assert [e["id"] for e in dump["entries"]] == sorted(e.id for e in load_entries(repo_root)[0])
    assert dump["taxonomy"]["domains"]["physics/statistical-mechanics"]["parent"] == "physics"
    assert "researcher" in dump["taxonomy"]["audiences"]


# ---- what real bibliographies hold (issue 10, item 14) -------------------------------------------------------

WEB_REFERENCES = r"""
@misc{texbook,
  author       = {Knuth, Donald E.},
  title        = {The TeXbook},
  year         = {1984},
  howpublished = {\url{https://example.org/texbook}}
}
@misc{guide,
  author = {Roe, Jane},
  title  = {A Guide},
  year   = {1999},
  note   = {Available at \url{https://example.org/guide%20v2}. Accessed 2020-01-01}
}
@misc{alone,
  author = {Jane Roe},
  title  = {Alone},
  year   = {2001},
  howpublished = {Blog post, \href{https://example.org/alone}{example.org}}
}
"""
LATEX_AND_NAMES = r"""
@misc{texbook,
  author = {Knuth, Donald E. and others},
  title  = {The {\TeX}book, with \LaTeX\ notes},
  year   = {1984},
  url    = {https://example.org/texbook}
}
@misc{guide,
  author = {Roe, Jane and Doe, John and et al.},
  title  = {A Guide to \foo{Writing} with \ce{H2O}},
  year   = {1999},
  url    = {https://example.org/guide}
}
@misc{alone,
  author = {Jane Roe et al.},
  title  = {Alone et al. in the Title},
  year   = {2001},
  url    = {https://example.org/alone}
}
"""


def import_text(cli, root, tmp_path, text: str, *args):
    path = tmp_path / "refs.bib"
    path.write_text(text, encoding="utf-8")
    return cli(root, "import-bibtex", path, *IMPORT, *args), str(path)


def written(root, result) -> dict[str, dict]:
    return {Path(line.split(" ", 1)[1]).stem: read_entry(root / line.split(" ", 1)[1], root).data
            for line in result.stdout.splitlines()}


def test_a_url_in_howpublished_or_note_is_the_url(cli, empty_kb, tmp_path):
    result, _ = import_text(cli, empty_kb, tmp_path, WEB_REFERENCES)
    assert result.exit_code == 0, result.output
    urls = sorted(data["url"] for data in written(empty_kb, result).values())
    assert urls == ["https://example.org/alone", "https://example.org/guide%20v2", "https://example.org/texbook"]
    assert "venue" not in next(d for d in written(empty_kb, result).values() if "alone" in d["url"])


def test_tex_commands_are_decoded_or_reported(cli, empty_kb, tmp_path):
    result, name = import_text(cli, empty_kb, tmp_path, LATEX_AND_NAMES)
    titles = sorted(data["title"] for data in written(empty_kb, result).values())
    assert titles == ["A Guide to Writing with H2O", "Alone et al. in the Title", "The TeXbook, with LaTeX notes"]
    assert f"{name}:8: warning guide: LaTeX kb cannot decode: `\\ce`, `\\foo` left out" in result.stderr
    assert "texbook: `\\" not in result.stderr  # \TeX and \LaTeX are known


def test_others_and_et_al_are_not_authors(cli, empty_kb, tmp_path):
    result, name = import_text(cli, empty_kb, tmp_path, LATEX_AND_NAMES)
    authors = sorted(data["authors"] for data in written(empty_kb, result).values())
    assert authors == [["Donald E. Knuth"], ["Jane Roe"], ["Jane Roe", "John Doe"]]
    assert f"{name}:2: warning texbook: `others` in `author` is not a name: left out" in result.stderr
    assert f"{name}:8: warning guide: `et al.` in `author`" in result.stderr
    assert f"{name}:14: warning alone: `et al.` in `author`" in result.stderr
    assert result.exit_code == 0  # warnings: written, and said what was left out


def test_a_file_over_the_size_cap_is_refused_unread(cli, empty_kb, tmp_path):
    huge = tmp_path / "huge.bib"
    with open(huge, "wb") as handle:  # sparse: no disk used
        handle.truncate(50 * 2**20 + 1)
    result = cli(empty_kb, "import-bibtex", huge, *IMPORT)
    assert result.exit_code == 2 and "larger than 50 MB" in result.stderr and "Traceback" not in result.output
    if Path("/dev/zero").exists():  # endless: read only up to the cap
        endless = cli(empty_kb, "import-bibtex", "/dev/zero", *IMPORT)
        assert endless.exit_code == 2 and "/dev/zero is larger than 50 MB" in endless.stderr


def test_the_report_owns_its_exit_code(kb_copy):
    from kb.contrib.bibtex import ImportReport, Skipped

    text = BIB.read_text(encoding="utf-8")
    import_bibtex(kb_copy, text, ["machine-learning"], ["researcher"])
    again = import_bibtex(kb_copy, text, ["machine-learning"], ["researcher"], dry_run=True)
    assert {s.kind for s in again.skipped} == {"duplicate", "incomplete"} and again.exit_code == 1
    assert ImportReport(skipped=[s for s in again.skipped if s.kind == "duplicate"]).exit_code == 0
    assert ImportReport(warnings=[Skipped(1, "k", "left out", "warning")]).exit_code == 0
    assert ImportReport(skipped=[Skipped(1, "k", "invalid: x", "invalid")]).exit_code == 1
    report = ImportReport(source="refs.bib", dry_run=True, written=[Path("entries/paper/a.yaml")],
                          warnings=[Skipped(3, "k", "left out", "warning")])
    assert report.lines() == ["would write entries/paper/a.yaml"]
    assert report.notes() == ["refs.bib:3: warning k: left out"]


def test_any_text_reads_back_as_written(cli, empty_kb, tmp_path):
    """The writer's escapes are exactly what the reader decodes: LaTeX specials, braces, TeX ligatures
    (`--`, two quotes), a name holding `and` or a comma."""
    from conftest import write_entry

    title = "50% of {braces} & $money_#1 ~ ^ \\\\ -- ``quoted'' !` ?` Gödel"
    write_entry(empty_kb, "research-guide", "odd-guide", f"""
        id: odd-guide
        title: "{title}"
        url: https://example.org/odd?a=1&b=%20#frag
        domains: [physics]
        audience: [general]
        authors: ["Procter and Gamble", "King, Jr., Martin Luther", "Ada Lovelace"]
        published: 2019-05-01
        venue: "Blog & more"
        why: A guide that explains one idea well enough for a reader to use it the next day.
        for_whom: Anyone.
        added: 2026-01-01
        """)
    original = load_entries(empty_kb)[0][0]
    bib = tmp_path / "odd.bib"
    assert cli(empty_kb, "export", "--format", "bibtex", "-o", bib).exit_code == 0
    (empty_kb / "entries/research-guide/odd-guide.yaml").unlink()
    result = cli(empty_kb, "import-bibtex", bib, *IMPORT)
    assert result.exit_code == 0 and result.stderr.startswith("1 written"), result.output
    imported = load_entries(empty_kb)[0][0]
    assert imported.title == original.title == title.replace("\\\\", "\\")
    assert imported.people == original.people and imported.url == original.url
    assert imported.data["published"] == "2019-05-01" and imported.data["venue"] == "Blog & more"


@pytest.mark.skipif(shutil.which("biber") is None,
                    reason="no biber: install Debian's `biber` (apt-get install biber; .ci/run does)")
def test_biber_reads_the_export_without_warnings(repo_root, tmp_path, cli):
    """biber, biblatex's backend, in tool mode (no LaTeX run needed) on the export of the real KB: no
    warning; checked against the data model, only entries without any year lack the date it asks for."""
    bib = tmp_path / "kb.bib"
    assert cli(repo_root, "export", "--format", "bibtex", "--output", bib).exit_code == 0

    def biber(*options):
        run = subprocess.run(["biber", "--tool", "--nolog", *options, f"--output-file={tmp_path / 'out.bib'}",
                              str(bib)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert run.returncode == 0, run.stdout + run.stderr
        return [line for line in (run.stdout + run.stderr).splitlines() if line.startswith(("WARN", "ERROR"))]

    assert biber() == []
    undated = re.compile(r"^WARN - Datamodel: Entry '([a-z0-9-]+)' .*Missing mandatory field - one of 'date, year'")
    strict = biber("--validate-datamodel")
    assert all(undated.match(line) for line in strict), [line for line in strict if not undated.match(line)]
    assert {undated.match(line).group(1) for line in strict} == {e.id for e in load_entries(repo_root)[0]
                                                                   if e.year is None}
