"""BibTeX import (accents, @string macros, duplicates, malformed blocks, non-ASCII keys, --dry-run) and
the exports (BibTeX round trip, CSL-JSON, versioned JSON)."""
from __future__ import annotations

import datetime
import json
from pathlib import Path

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
    assert f"{name}:13: skipped dup-of-coconut: duplicate: the KB already has this resource as `coconut-latent-reasoning`" \
        in result.output
    assert f"{name}:21: malformed block broken: Unexpected block start" in result.output
    assert f"{name}:33: skipped noyear: incomplete: no year" in result.output
    assert f"{name}:39: skipped again: duplicate" in result.output and "godels-theorems-neural-networks-2020" in result.output


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


def test_bibtex_export_round_trips_to_the_same_identifiers(repo_root, empty_kb, tmp_path, cli):
    bib = tmp_path / "papers.bib"
    assert cli(repo_root, "export", "--format", "bibtex", "--output", bib).exit_code == 0
    papers = [e for e in load_entries(repo_root)[0] if e.type == "paper"]
    assert bib.read_text().count("\n@") + 1 == len(papers)
    result = cli(empty_kb, "import-bibtex", bib, *IMPORT)
    assert result.exit_code == 0, result.output
    imported = load_entries(empty_kb)[0]

    def identifiers(entries):
        return sorted((e.data["url"], e.data.get("arxiv"), e.data.get("doi"), e.title, e.year) for e in entries)

    assert identifiers(imported) == identifiers(papers)
    again = cli(repo_root, "import-bibtex", "--dry-run", bib, *IMPORT)  # into the KB they came from
    assert again.exit_code == 0 and again.stdout == "" and again.output.count("duplicate") == len(papers)


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
    now = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    text, skipped = export_text(repo_root, "json", now)
    dump = json.loads(text)
    assert skipped == 0 and dump["format"] == "kb-export" and dump["version"] == EXPORT_VERSION
    assert dump["schema_version"] == schema_version() and dump["license"] == "CC-BY-SA-4.0"
    assert dump["generated"] == "2026-01-02T03:04:05+00:00"
    assert [e["id"] for e in dump["entries"]] == sorted(e.id for e in load_entries(repo_root)[0])
    assert dump["taxonomy"]["domains"]["physics/statistical-mechanics"]["parent"] == "physics"
    assert "researcher" in dump["taxonomy"]["audiences"]
