"""Relevance over the real entries: queries a reader would type, each with the entry that must come
first or in the top three. Only the expected ids are written here; everything else comes from the
entries in entries/ and the index built from them."""
from __future__ import annotations

import pytest

from kb.model import domain_matches, load_entries
from kb.search import Filters, search

from conftest import write_paper

# (query, filters, expected entry id, it must be within the first N results)
CASES = [
    ("susskid statistcal mechanics", Filters(), "statistical-mechanics-susskind", 1),
    ("statistical mechanics", Filters(), "statistical-mechanics-susskind", 3),  # Kardar's title says it twice
    ("statistical mechanics of particles", Filters(), "mit-8-333-statistical-mechanics-kardar-2013", 1),
    ("best lecture series on statistical mechanics for beginners", Filters(), "statistical-mechanics-susskind", 3),
    ("entropy thermodynamics", Filters(), "statistical-mechanics-susskind", 1),
    ("lecturer:susskind quantum", Filters(), "quantum-mechanics-susskind-2012", 1),
    ("lecturer:susskind", Filters(year_from=2013), "statistical-mechanics-susskind", 1),
    ("susskind relativity", Filters(), "general-relativity-susskind-2012", 1),
    ("classical mechanics", Filters(audience="beginner"), "classical-mechanics-susskind-2011", 3),
    ("author:hamming", Filters(), "you-and-your-research-hamming", 1),
    ("hammming", Filters(), "you-and-your-research-hamming", 1),
    ("you and your research", Filters(), "you-and-your-research-hamming", 1),
    ("year:2021 graphs", Filters(), "cs224w-machine-learning-with-graphs-2021", 1),
    ("graph neural networks", Filters(), "cs224w-machine-learning-with-graphs-2021", 1),
    ("machine learning with graphs", Filters(), "cs224w-machine-learning-with-graphs-2021", 1),
    ("leskovec", Filters(), "cs224w-machine-learning-with-graphs-2021", 1),
    ("graphs", Filters(domain="machine-learning"), "cs224w-machine-learning-with-graphs-2021", 1),
    ("", Filters(domain="machine-learning/graph-neural-networks"), "cs224w-machine-learning-with-graphs-2021", 1),
    ("reinforcement learning", Filters(audience="undergraduate"), "ucl-reinforcement-learning-silver-2015", 1),
    ("deep learning", Filters(audience="beginner", type="lecture-series"),
     "mit-6s191-introduction-to-deep-learning", 3),
    ("linear algebra", Filters(audience="general"), "essence-of-linear-algebra-3blue1brown", 1),
    ("linear algebra strang", Filters(), "mit-18-06-linear-algebra-strang", 1),
    ("feynman physics", Filters(), "feynman-lectures-on-physics-online", 1),
    ("database systems", Filters(), "cmu-15-445-database-systems-2023", 1),
    ("raft consensus", Filters(), "mit-6-824-distributed-systems", 1),
    ("game theory", Filters(), "yale-econ-159-game-theory-polak-2007", 1),
    ("sapolsky", Filters(), "human-behavioral-biology-sapolsky-2010", 1),
    ("karpathy", Filters(type="research-guide"), "recipe-for-training-neural-networks-karpathy", 2),  # two guides
    ("karpathy training recipe", Filters(type="research-guide"), "recipe-for-training-neural-networks-karpathy", 1),
    ("karpathy phd", Filters(type="research-guide"), "karpathy-survival-guide-to-a-phd-2016", 1),
    ("how to write ml papers", Filters(), "how-to-write-ml-papers-farquhar", 1),
    ("mechanistic interpretability", Filters(), "concrete-steps-mechanistic-interpretability-nanda", 1),
    ("chain of thought faithfulness", Filters(type="paper", year_to=2023),
     "language-models-dont-always-say-what-they-think-turpin", 1),
    ("reward hacking", Filters(), "monitoring-reasoning-models-obfuscation-baker", 1),
    ('"natural language processing"', Filters(), "cs224n-nlp-with-deep-learning-2021", 1),
]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("index")


@pytest.mark.parametrize("text,filters,expected,within", CASES, ids=[c[0] or f"filters {c[1]}" for c in CASES])
def test_expected_entry_ranks_high(repo_root, index_dir, text, filters, expected, within):
    result = search(repo_root, text, filters, limit=10, location=index_dir)
    ranked = [hit.document["id"] for hit in result.page.hits]
    assert expected in ranked[:within], f"{text!r} {filters}: {expected} not in the top {within} of {ranked}"


def test_enough_cases():
    assert len(CASES) >= 20 and len({c[2] for c in CASES}) >= 15


def test_domain_filter_includes_sub_domains_and_nothing_else(repo_root, index_dir):
    entries, _ = load_entries(repo_root)
    wanted = {e.id for e in entries if any(domain_matches(str(d), "machine-learning") for d in e.data["domains"])}
    result = search(repo_root, "", Filters(domain="machine-learning"), limit=1000, location=index_dir)
    found = {hit.document["id"] for hit in result.page.hits}
    assert found == wanted and result.page.total == len(wanted)
    assert any("/" in d for hit in result.page.hits for d in hit.document["domains"])  # sub-domains came too


def test_facets_count_every_match_not_only_the_shown_ones(repo_root, index_dir):
    entries, _ = load_entries(repo_root)
    lectures = [e for e in entries if e.type == "lecture-series"]
    result = search(repo_root, "", Filters(type="lecture-series"), limit=3, location=index_dir)
    assert len(result.page.hits) == 3 and result.page.total == len(lectures)
    assert result.page.facets["type"] == {"lecture-series": len(lectures)}
    tops = {str(d).split("/")[0] for e in lectures for d in e.data["domains"]}
    assert set(result.page.facets["domain"]) == tops
    for audience, count in result.page.facets["audience"].items():
        assert count == sum(audience in e.data["audience"] for e in lectures)


@pytest.mark.parametrize("filters", [Filters(), Filters(type="paper")], ids=["one pass", "filtered"])
def test_a_smaller_limit_shows_the_first_results_of_a_larger_one(empty_kb, tmp_path, filters):
    """The top N must be the first N of the full ranking, with or without a filter (the two are ranked
    differently). Whoosh's replacement of matchers once N results are held scaled a boosted clause's
    bound wrongly and dropped later, better entries (here: the title-match bonus of entries whose title
    holds every word typed, written after weaker ones)."""
    for i in range(12):
        padding = " Further words about other matters." * (12 - i)  # later entries: shorter, so stronger
        write_paper(empty_kb, f"entry-{i:02d}", f"Notes on Alpha and Beta {i}", f"On alpha and beta.{padding}")
    full = search(empty_kb, "alpha and beta", filters, limit=50, location=tmp_path / "index").page
    assert full.total == 12 and [h.score for h in full.hits] == sorted((h.score for h in full.hits), reverse=True)
    for limit in (1, 2, 3, 5):
        top = search(empty_kb, "alpha and beta", filters, limit=limit, location=tmp_path / "index").page
        assert [h.document["id"] for h in top.hits] == [h.document["id"] for h in full.hits[:limit]]
        assert top.total == full.total and top.facets == full.facets
