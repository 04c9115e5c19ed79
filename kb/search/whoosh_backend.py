"""The Whoosh backend: the only module of kb that imports whoosh (the `whoosh3` distribution; see
docs/search.md for why that fork).

Ranking is BM25F proper: query words are looked up in one field, `all`, where each token of an entry's
text carries the boost of the field it came from (BOOSTS), so a word's weight in an entry is the
boosted sum of its frequencies, saturated once. One field per word keeps queries fast; the separate
fields (title, people, ...) answer field queries such as `lecturer:susskind`. Text is stemmed and
accent-folded. Typo tolerance: query words found nowhere are replaced by the closest word of the
titles, names and tags (the unstemmed `spell` field), and the corrected query reported (short words
are only offered, words with digits left alone: see _correct).
"""
from __future__ import annotations

import contextlib
import functools
import mmap
import os
import pickle
import re
import signal
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from whoosh import collectors, columns, fields, index, qparser, query, scoring
from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.codec import whoosh3
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.qparser import syntax
from whoosh.support.charset import accent_map

from .backend import Backend, Filters, Highlight, Hit, IndexUnreadable, Page

SCHEMA_VERSION = 3  # bump when the fields or analyzers change: an index of another version is rebuilt

BOOSTS = {"title": 4.0, "people": 3.0, "institution": 2.5, "topics": 2.0, "why": 1.0, "for_whom": 1.0}
BOOST_MARK = "kbboost"  # `kbboost25` in the text of `all` gives the tokens after it a boost of 2.5
ALIASES = {"lecturers": ["lecturer"], "authors": ["author"], "people": ["person", "by"],
           "topics": ["tag", "tags", "topic"], "domain": ["domains"], "institution": ["venue", "course"],
           "format": ["formats"]}
HIGHLIGHTED = ("title", "people")  # always highlighted when they match; then the first of SNIPPETS that does
SNIPPETS = ("why", "for_whom", "topics", "institution")
LONG = ("why", "for_whom")  # a fragment around the matches rather than the whole text
FACETS = ("type", "domain", "audience", "format")
DISPLAY = ("id", "type", "title", "url", "people", "domains", "audience", "format", "year")
SPELLED = ("title", "people", "topics")  # the words corrections come from
MAX_CORRECTIONS = 8  # misspelt words corrected per query (each costs a walk of the vocabulary)
SHORTEST_CORRECTED = 4  # shorter words are only offered a correction ("did you mean"): a letter off a
                        # short word is as likely another word (`kb`, `ku`) as a typo
YEAR_BITS = 16
YEAR_MIN, YEAR_MAX = -(2 ** (YEAR_BITS - 1)), 2 ** (YEAR_BITS - 1) - 1  # what the `year` field can hold
BULK_PROCS = 2  # processes a full build analyses documents in
TITLE_MATCH = 4.0  # factor on title scores: the bonus of entries whose title holds every word of a
                   # query with stop words (see _with_title_match and _Weighting)


# Whoosh's codec pickles each block of postings with protocol 2, which stores every posting's positions
# (bytes) as a call to codecs.encode: loading a block of `all` took 63 µs instead of 8 µs, 2 ms of a
# query at 10,000 entries. pickle.loads reads any protocol, so the index stays a standard whoosh3 one.
def _dumps(obj, protocol=None) -> bytes:
    return pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)


whoosh3.dumps = _dumps


class _MappedFile(StructFile):
    """An index file whose reads at an offset (`get`: posting blocks, each hit's field lengths and
    columns) slice a memory map instead of seeking and reading the file, a Python call less each."""

    def __init__(self, fileobj, **kwargs):
        super().__init__(fileobj, **kwargs)
        self._map = mmap.mmap(fileobj.fileno(), 0, access=mmap.ACCESS_READ)

    def get(self, position: int, length: int) -> bytes:
        return self._map[position:position + length]

    def close(self) -> None:
        self._map.close()
        super().close()


class _MappedStorage(FileStorage):
    """A folder of index files opened as _MappedFile. Segment files are never rewritten in place (an
    update writes new ones and deletes merged ones, which a map keeps readable), so a map stays valid."""

    def open_file(self, name: str, **kwargs) -> StructFile:
        fileobj = open(self._fpath(name), "rb")
        if os.fstat(fileobj.fileno()).st_size == 0:  # an empty file cannot be mapped
            return StructFile(fileobj, name=name, **kwargs)
        return _MappedFile(fileobj, name=name, **kwargs)


class SectionBoosts(Filter):
    """At indexing, a `kbboostN` token sets the boost of the tokens after it to N/10 and is dropped.
    At query time it does nothing, so the field's words are searched like any other."""

    def __call__(self, tokens):
        boost = 1.0
        for token in tokens:
            if token.mode == "index":
                if token.text.startswith(BOOST_MARK) and token.text[len(BOOST_MARK):].isdigit():
                    boost = int(token.text[len(BOOST_MARK):]) / 10
                    continue
                token.boost = boost
            yield token


def _analyzers():
    """(folded, stemmed, boosted, titled): stop words go from every field but the title (names too:
    else "on" or "for" in a query must match some name); the title keeps them for TITLE_MATCH."""
    plain = RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)
    folded = plain | StopFilter()
    boosted = RegexTokenizer() | SectionBoosts() | LowercaseFilter() | CharsetFilter(accent_map) | StopFilter()
    return folded, folded | StemFilter(), boosted | StemFilter(), plain | StemFilter()


def _schema() -> fields.Schema:
    folded, stemmed, boosted, titled = _analyzers()
    return fields.Schema(
        path=fields.ID(unique=True, stored=True),
        display=fields.STORED(),
        all=fields.TEXT(analyzer=boosted),
        id=fields.ID(),
        type=fields.ID(),
        title=fields.TEXT(analyzer=titled, stored=True),
        people=fields.TEXT(analyzer=folded, stored=True, phrase=False),
        lecturers=fields.TEXT(analyzer=folded, phrase=False),
        authors=fields.TEXT(analyzer=folded, phrase=False),
        institution=fields.TEXT(analyzer=stemmed, stored=True, phrase=False),
        topics=fields.TEXT(analyzer=stemmed, stored=True, phrase=False),
        why=fields.STORED(),  # searched through `all` only, kept for snippets
        for_whom=fields.STORED(),
        domain=fields.KEYWORD(),  # every domain id with its ancestors, so a filter includes sub-domains
        audience=fields.KEYWORD(),
        format=fields.KEYWORD(),
        year=_YearField(int, bits=YEAR_BITS, signed=True, shift_step=YEAR_BITS),  # one term per year: short ranges
        facets=fields.COLUMN(columns.VarBytesColumn()),  # "type\tdomains\taudiences\tformats", for facet counts
        spell=fields.TEXT(analyzer=folded, phrase=False),  # the unstemmed vocabulary, for corrections
    )


def _fields(doc: dict) -> dict:
    """An index document (documents.py) as Whoosh field values."""
    values = {
        "path": doc["path"], "display": {k: doc[k] for k in DISPLAY},
        "id": doc["id"], "type": doc["type"], "title": doc["title"],
        "people": ", ".join(doc["people"]), "lecturers": ", ".join(doc["lecturers"]),
        "authors": ", ".join(doc["authors"]), "institution": doc["institution"],
        "topics": ", ".join(doc["tags"] + doc["domain_titles"] + doc["audience_titles"]),
        "why": doc["why"], "for_whom": doc["for_whom"],
        "domain": " ".join(doc["domain_lineage"]), "audience": " ".join(doc["audience"]),
        "format": " ".join(doc["format"]),
    }
    values["all"] = "\n".join(f"{BOOST_MARK}{round(boost * 10)} {values[name]}" for name, boost in BOOSTS.items())
    values["spell"] = "\n".join(values[name] for name in SPELLED)
    tops = [d for d in doc["domain_lineage"] if "/" not in d]
    values["facets"] = "\t".join((doc["type"], " ".join(tops), values["audience"], values["format"])).encode()
    if doc["year"] is not None and YEAR_MIN <= doc["year"] <= YEAR_MAX:  # beyond: invalid, not searchable by year
        values["year"] = doc["year"]
    return {name: value for name, value in values.items() if value != ""}


FacetValues = tuple[dict[int, tuple[str, ...]], ...]


class _YearField(fields.NUMERIC):
    """Years, whose queries never fail on numbers past what the field holds: `year:40000` matches
    nothing, and a range reaching past the bounds stops at them (`year:[1 TO 40000]`)."""

    def parse_query(self, fieldname: str, qstring: str, boost: float = 1.0) -> query.Query:
        year = _integer(qstring)
        if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
            return query.NullQuery
        return super().parse_query(fieldname, qstring, boost)

    def parse_range(self, fieldname: str, start, end, startexcl: bool, endexcl: bool, boost: float = 1.0):
        low, high = _integer(start), _integer(end)
        if (start is not None and low is None) or (end is not None and high is None):
            return super().parse_range(fieldname, start, end, startexcl, endexcl, boost)  # not integers
        return _year_range(low, high, startexcl, endexcl)


def _year_range(start: int | None, end: int | None, startexcl: bool = False, endexcl: bool = False) -> query.Query:
    """The years from start to end (None: open), within the field's bounds (no indexed year is past them)."""
    if (start is not None and start > YEAR_MAX) or (end is not None and end < YEAR_MIN):
        return query.NullQuery
    if start is not None and start < YEAR_MIN:
        start, startexcl = None, False
    if end is not None and end > YEAR_MAX:
        end, endexcl = None, False
    return query.NumericRange("year", start, end, startexcl, endexcl)


def _integer(text) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


class _IgnoredBoosts(qparser.BoostPlugin):
    """Reads `word^2` as Whoosh does, then drops the boost: from users it would only skew the ranking,
    and without the plugin `^2` would be searched as the word `2`."""

    def filters(self, parser):
        return [(self._drop_boosts, 510)]  # where BoostPlugin applies them: after groups and whitespace

    def _drop_boosts(self, parser, group):
        kept = group.empty_copy()
        for node in group:
            if isinstance(node, syntax.GroupNode):
                kept.append(self._drop_boosts(parser, node))
            elif not isinstance(node, self.BoostNode):
                kept.append(node)
        return kept


class WhooshBackend(Backend):
    schema_version = SCHEMA_VERSION

    def __init__(self, ix: index.Index):
        self._ix = ix
        self._searcher = None
        self._parsers: dict = {}  # query group -> parser
        self._title_analyzer = ix.schema["title"].analyzer  # ix.schema reads the table of contents each time
        self._facet_column = None  # the searcher's reader of the `facets` column (it loads every offset)
        self._facet_values: FacetValues = tuple({} for _ in FACETS)  # per facet: document -> its values

    @classmethod
    def create(cls, folder: Path) -> WhooshBackend:
        folder.mkdir(parents=True, exist_ok=True)
        return cls(_MappedStorage(str(folder)).create_index(_schema()))

    @classmethod
    def open(cls, folder: Path) -> WhooshBackend:
        try:
            ix = _MappedStorage(str(folder)).open_index()
            if set(ix.schema.names()) != set(_schema().names()):
                raise IndexUnreadable(f"the index in {folder} has other fields than this version of kb")
            with ix.reader() as reader:  # opens every segment: a damaged one fails here, not mid-search
                reader.doc_count()
            return cls(ix)
        except IndexUnreadable:
            raise
        except Exception as exc:  # Whoosh raises many kinds (EmptyIndexError, struct/pickle errors, ...)
            raise IndexUnreadable(f"cannot read the index in {folder}: {exc.__class__.__name__}: {exc}") from exc

    def update(self, add: Iterable[dict], delete: Iterable[str] = (), bulk: bool = False) -> None:
        self._close_searcher()
        # A bulk load spreads the analysis over BULK_PROCS processes, each writing its own segment.
        if bulk:
            _guard_forked_writers()
        # Separate files, not one compound file per segment: Whoosh copies a compound file's parts into
        # memory on every open, which cost a search 0.1 s at 10,000 entries.
        writer = (self._ix.writer(procs=BULK_PROCS, multisegment=True, limitmb=128, compound=False) if bulk
                  else self._ix.writer(compound=False))
        try:
            for path in delete:
                writer.delete_by_term("path", path)
            for doc in add:
                writer.update_document(**_fields(doc))
            writer.commit()
            # Whoosh commits without the segment of a helper process that failed: refuse such an index
            # (the caller then keeps the previous one) rather than make it live without those entries.
            failed = [task.exitcode for task in getattr(writer, "tasks", ()) if task.exitcode]
            if failed:
                raise RuntimeError(f"a process building the search index failed (exit code {failed[0]}); "
                                   "the index was left as it was")
        except BaseException:
            # a bulk writer's processes: stop them before cancel() removes the files they work on
            for process in getattr(writer, "tasks", ()):
                process.terminate()
                process.join()
            with contextlib.suppress(Exception):  # cleanup only: the error to report is the one above
                writer.cancel()
            raise

    def close(self) -> None:
        self._close_searcher()
        self._ix.close()

    def _close_searcher(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
            self._facet_column = None
            self._facet_values = tuple({} for _ in FACETS)

    def search(self, text: str, filters: Filters, limit: int) -> Page:
        if self._searcher is None:
            self._searcher = self._ix.searcher(weighting=_Weighting())
            reader = self._searcher.reader()
            self._facet_column = reader.column_reader("facets") if reader.has_column("facets") else None
        searcher = self._searcher
        if not searcher.doc_count():  # no entries (Whoosh's reader of an empty index has no columns)
            return Page(total=0, hits=[], facets=self._facets(set()), matched="none")
        restrict = _filter_query(filters)
        parsed = self._parse(text, qparser.AndGroup)
        suggestion, offer, parsed = self._correct(searcher, text, parsed)
        docs, results = self._rank(searcher, parsed, suggestion or text, restrict, limit)
        matched = "all"
        if not docs and _word_count(parsed) > 1:
            # No entry has every word: rank the entries having some, more words ranking higher.
            parsed = self._parse(suggestion or text, ANY_WORDS)
            docs, results = self._rank(searcher, parsed, suggestion or text, restrict, limit)
            matched = "any"
        if not docs:
            return Page(total=0, hits=[], facets=self._facets(docs), suggestion=suggestion, matched="none",
                        did_you_mean=offer)
        words = _highlight_words(searcher, parsed)
        hits = [Hit(dict(hit["display"]), round(hit.score, 4), _highlights(hit, words)) for hit in results]
        return Page(total=len(docs), hits=hits, facets=self._facets(docs), suggestion=suggestion, matched=matched,
                    did_you_mean=offer)

    def _rank(self, searcher, parsed: query.Query, text: str, restrict: query.Query | None, limit: int):
        """(every matching document, the top `limit` of them as Whoosh results)."""
        ranked = self._with_title_match(parsed, text)
        if restrict is None and not isinstance(ranked, query.Term):
            # Several words: finding their matches costs about what ranking them does, so one pass
            # ranks every match and records it.
            collector = _RankingAll(limit)
            searcher.search_with_collector(ranked, collector)
            return collector.docset, collector.results()
        # One word's matches are its posting list, quick to read, and ranking it can skip the blocks
        # that cannot reach the top. Without filters the query alone selects `docs`: passing them
        # anyway would cost a set look-up per match and turn that skipping off.
        # (And, not normalize(): Whoosh simplifies And([Every(), x]) to Every(), dropping the filters.)
        docs = _docset(searcher, parsed if restrict is None else query.And([parsed, restrict]))
        if not docs:
            return docs, None
        return docs, searcher.search(ranked, filter=docs if restrict is not None else None, limit=limit)

    def _parse(self, text: str, group) -> query.Query:
        if not text:
            return query.Every()
        parser = self._parsers.get(group)
        if parser is None:
            parser = self._parsers[group] = qparser.QueryParser("all", self._ix.schema, group=group)
            parser.add_plugin(qparser.FieldAliasPlugin(ALIASES))
            parser.add_plugin(qparser.GtLtPlugin())
            parser.replace_plugin(_IgnoredBoosts())
        try:
            return parser.parse(text)
        except Exception:  # the parser is lenient, but a malformed range or field can still fail: plain words
            return parser.parse(" ".join(_plain_words(text)))

    def _with_title_match(self, parsed: query.Query, text: str) -> query.Query:
        """The query, ranking higher the matching entries whose title holds every word typed, when the
        words include stop words, which the `all` field leaves out ("you and your research" -> You and
        Your Research). Without stop words BM25F's title weight already favours such titles, and the
        clause would cost most of a multi-word query's time."""
        plain = " ".join(_plain_words(text))
        words = [t.text for t in self._title_analyzer(plain)]
        if len(words) < 2 or len(words) == sum(1 for _ in _STEMMED(plain)):
            return parsed
        return query.AndMaybe(parsed, query.And([query.Term("title", word) for word in words]))

    def _facets(self, docs: set[int]) -> dict[str, dict[str, int]]:
        """Counts by type, top-level domain, audience and format. Each document's `facets` value is read
        from the column once per searcher; each facet is then counted by its combinations of values
        (few), so the work per document is done in C."""
        columns, column = self._facet_values, self._facet_column
        for doc in docs:
            if doc not in columns[0]:
                for values, text in zip(columns, column[doc].decode().split("\t"), strict=True):
                    values[doc] = _facet_combination(text)
        facets = {}
        for name, values in zip(FACETS, columns, strict=True):
            counts: Counter = Counter()
            for combination, n in Counter(map(values.__getitem__, docs)).items():
                for value in combination:
                    counts[value] += n
            facets[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        return facets

    def _correct(self, searcher, text: str, parsed: query.Query) -> tuple[str | None, str | None, query.Query]:
        """Replace the words found in no entry by their closest vocabulary word: (suggestion, offer,
        query). Words with a digit are never replaced (a number or course code one digit off is
        another one); words under SHORTEST_CORRECTED letters only go into the offer, not the query."""
        reader = searcher.reader()
        unknown = sorted({(q.startchar, q.endchar) for q in parsed.leaves()
                          if type(q) is query.Term and q.fieldname == "all" and q.startchar is not None
                          and (q.fieldname, q.text) not in reader
                          and not any(ch.isdigit() for ch in text[q.startchar:q.endchar])})
        if not unknown:
            return None, None, parsed
        corrector = searcher.corrector("spell")
        corrected = offered = text
        for start, end in reversed(unknown[:MAX_CORRECTIONS]):  # from the end: earlier offsets stay valid
            word = text[start:end].lower()
            # The closest words first: the corrector ranks only by frequency within its distance.
            suggestions = corrector.suggest(word, limit=1, maxdist=1, prefix=1) or (
                corrector.suggest(word, limit=1, maxdist=2, prefix=1) if len(word) > 4 else [])
            if suggestions:
                offered = offered[:start] + suggestions[0] + offered[end:]
                if len(word) >= SHORTEST_CORRECTED:
                    corrected = corrected[:start] + suggestions[0] + corrected[end:]
        offer = offered if offered != corrected else None
        if corrected == text:
            return None, offer, parsed
        return corrected, offer, self._parse(corrected, qparser.AndGroup)


ANY_WORDS = qparser.OrGroup.factory(0.9)  # one object, so that its parser is made once


class _RankingAll(collectors.TopCollector):
    """The top N matches by score, and the set of every match (`docset`): every match is visited, with
    neither skipping of blocks by quality nor Whoosh's replacing of matchers once N are held (which
    drops matches that cannot reach the top)."""

    def __init__(self, limit: int):
        super().__init__(limit=limit, usequality=False, replace=0)

    def _collect(self, global_docnum: int, score: float):
        self.docset.add(global_docnum)
        return super()._collect(global_docnum, score)


class _TitleScorer(scoring.BM25FScorer):
    def _score(self, weight: float, length: int) -> float:
        return super()._score(weight, length) * TITLE_MATCH


class _Weighting(scoring.BM25F):
    """BM25F, with scores in the `title` field (searched only by the title-match clause and `title:`
    queries) multiplied by TITLE_MATCH. The factor is in the scorer, not a boost on the clause: Whoosh
    compares a boosted clause's unboosted bounds with the score a document needs to reach the top N
    (WrappingMatcher.replace), and so dropped better entries once N were held."""

    def scorer(self, searcher, fieldname: str, text: str, qf: int = 1):
        if fieldname == "title":
            return _TitleScorer(searcher, fieldname, text, self.B, self.K1, qf=qf)
        return super().scorer(searcher, fieldname, text, qf)


def _guard_forked_writers() -> None:
    """Whoosh's writer processes are forked and wait on a queue: if kb is killed they would wait for
    ever. Make them die with it (Linux), and leave Ctrl-C to kb, which cancels the build cleanly."""
    global _GUARDED
    if not _GUARDED:
        os.register_at_fork(before=_before_fork, after_in_parent=_unblock_interrupts,
                            after_in_child=_writer_process_setup)
        _GUARDED = True


def _before_fork() -> None:
    """Note who the parent is, and hold Ctrl-C back across the fork: a SIGINT arriving before the child
    has ignored it would end the child with a traceback (and kb would report a failed build, not the
    interruption); held back, it reaches the parent once the fork is done, and the child never sees it."""
    global _PARENT
    _PARENT = os.getpid()
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _unblock_interrupts() -> None:
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _writer_process_setup() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _unblock_interrupts()
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: killed when kb dies
        if os.getppid() != _PARENT:  # kb died between the fork and the line above: no signal will come
            os._exit(1)


_PARENT = 0
_GUARDED = False


def _docset(searcher, q: query.Query) -> set[int]:
    """The documents matching q, by set algebra on posting lists for terms, AND and OR (faster than
    Whoosh's matchers when only the set is needed), by Whoosh for the rest."""
    if isinstance(q, query.Term):
        reader = searcher.reader()
        return set(reader.postings(q.fieldname, q.text).all_ids()) if (q.fieldname, q.text) in reader else set()
    if isinstance(q, query.Or):
        return set().union(*(_docset(searcher, sub) for sub in q.subqueries))
    if isinstance(q, query.And):
        reader = searcher.reader()
        subs = sorted(q.subqueries, key=lambda sub: sub.estimate_size(reader))  # the rarest first
        found = _docset(searcher, subs[0]) if subs else set()
        for sub in subs[1:]:
            if not found:
                break
            found = _narrow(reader, sub, found) if isinstance(sub, query.Term) else found & _docset(searcher, sub)
        return found
    return set(searcher.docs_for_query(q))


def _narrow(reader, term: query.Term, candidates: set[int]) -> set[int]:
    """The candidates having the term: by skipping through its postings when they are many more than
    the candidates, else by reading them all."""
    if (term.fieldname, term.text) not in reader:
        return set()
    postings = reader.postings(term.fieldname, term.text)
    if len(candidates) * 8 > reader.doc_frequency(term.fieldname, term.text):
        return candidates & set(postings.all_ids())
    kept = set()
    for doc in sorted(candidates):
        postings.skip_to(doc)
        if not postings.is_active():
            break
        if postings.id() == doc:
            kept.add(doc)
    return kept


@functools.lru_cache(maxsize=4096)
def _facet_combination(text: str) -> tuple[str, ...]:
    """One facet's part of a `facets` value as a tuple, shared by every document with the same values."""
    return tuple(text.split())


def _filter_query(filters: Filters) -> query.Query | None:
    parts = [query.Term(name, value) for name, value in
             (("type", filters.type), ("domain", filters.domain and filters.domain.strip("/")),
              ("audience", filters.audience), ("format", filters.format)) if value]
    if filters.year_from is not None or filters.year_to is not None:
        parts.append(_year_range(filters.year_from, filters.year_to))
    return query.And(parts) if parts else None


def _word_count(parsed: query.Query) -> int:
    return len({(t.startchar, t.endchar) for t in parsed.all_tokens()})


def _plain_words(text: str) -> list[str]:
    return ["".join(ch for ch in word if ch.isalnum()) for word in text.split()]


_STEMMED = _analyzers()[1]
_WORD = RegexTokenizer().expression  # what the analyzers take as a word
_SPACE = re.compile(r"\s")
# A long field's snippet: its densest run of matches within SNIPPET_CHARS characters, with up to SURROUND
# characters of context either side.
SNIPPET_CHARS = 160
SURROUND = 50


def _highlight_words(searcher, parsed: query.Query) -> frozenset[str]:
    """The stemmed words to mark: the query's terms as found in the index (wildcards expanded)."""
    words = set()
    for fieldname, btext in parsed.existing_terms(searcher.reader(), expand=True):
        if fieldname in ("all", "title", "institution", "topics"):
            words.add(btext.decode() if isinstance(btext, bytes) else btext)
        elif fieldname in ("people", "lecturers", "authors"):  # unstemmed names: stem them like the rest
            words.update(t.text for t in _STEMMED(btext.decode() if isinstance(btext, bytes) else btext))
    return frozenset(words)


def _highlights(hit, words: frozenset[str]) -> list[Highlight]:
    """The title and people with their matches, and one snippet: the first other field that matched."""
    if not words:
        return []
    found = [h for name in HIGHLIGHTED for h in _highlight(hit, name, words)]
    for name in SNIPPETS:
        snippet = _highlight(hit, name, words)
        if snippet:
            return found + snippet
    return found


def _highlight(hit, name: str, words: frozenset[str]) -> list[Highlight]:
    text = hit.get(name)
    spans = [m.span() for m in _WORD.finditer(text or "") if _term(m.group()) in words]
    if not spans:
        return []
    return [Highlight(name, *(_snippet(text, spans) if name in LONG else (text, spans)))]


@functools.lru_cache(maxsize=65536)
def _term(word: str) -> str | None:
    """The term the analyzer makes of one word (None for a stop word). The filters work word by word,
    so this equals analysing the whole text. Cached per word, marking a query's hits takes 0.5 ms at
    10,000 entries, where Whoosh's highlighter, analysing every hit's text anew, took 2 ms."""
    return next((token.text for token in _STEMMED(word)), None)


def _snippet(text: str, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """The part of a long text around its densest run of matches, cut at spaces, with spans rebased."""
    def run(i: int) -> list[tuple[int, int]]:  # the i-th match and those after it that fit with it
        return [spans[i]] + [span for span in spans[i + 1:] if span[1] - spans[i][0] <= SNIPPET_CHARS]

    shown = max((run(i) for i in range(len(spans))), key=len)  # the first of the densest
    first, last = shown[0][0], shown[-1][1]
    space = _SPACE.search(text, first - SURROUND, first)
    start = 0 if first <= SURROUND else space.end() if space else first
    cuts = [m.start() for m in _SPACE.finditer(text, last, last + SURROUND)]
    end = len(text) if last + SURROUND >= len(text) else cuts[-1] if cuts else last
    return text[start:end], [(a - start, b - start) for a, b in shown]
