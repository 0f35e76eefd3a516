"""Spelling correction over the catalog's own vocabulary (symspellpy).

A token is corrected only when the catalog does not know it: brands, tokens with digits
(model numbers, sizes) and words the catalog uses are left alone. A common English word
the catalog does not use is corrected only to a frequent title word one edit away.
Word breaks are fixed both ways: "blue tooth" -> "bluetooth" when titles spell it joined far
more often than split, and "wirelessmouse" -> "wireless mouse" when titles use that pair.

When a query log was given (`build_query_vocabulary --from-logs`), a query holding a word
the catalog does not know is first matched whole against the queries shoppers searched
successfully: "mpad" -> "ipad" where shoppers searched "ipad" far more often than "mpad",
where the catalog alone would pick its more frequent word ("pad").

A correction of an unknown token is applied (`corrected`); a rare-but-known token with a
far more frequent neighbour is only suggested (`did_you_mean`), since it may be meant, and
that neighbour is searched beside it: "icrosoft" occurs three times in Chorus descriptions,
"microsoft" 987 times.
The next-best corrections of an unknown token are kept as `runner_ups`, which the analyzer
searches as alternatives beside the corrected query: "ybox" is one edit from "box" (2,155
title uses) and "xbox" (7); frequency picks "box", and the lexical score decides between
them, where the rarer word weighs more. A word the first-letter odds kept from replacing
the token is a runner-up too ("siphne" -> "sine", and "iphone" beside it). A three-letter
unknown word ("dsk") is one edit from too many words to replace, so it stays as typed and its
two likeliest words are the runner-ups; so are the likeliest two edits away from a short
word with nothing one edit away.
A phrase counts whether titles write it as two words or run together: "smart wach" is "smart
watch" (titles write "smartwatch"), not "smart cache" (Intel's "Smart Cache").
A word two edits away beats a closer one where the neighbouring word makes it a title phrase
and it is far more frequent ("dvd layee" -> "dvd player", not "dvd layer"). A catalog word
titles never put beside its neighbour ("dvd layer") has the word one edit away that they do
("player") searched beside it: a real word may be a typo too, but it may also be meant.
So has an English word the catalog does not use ("appel"): the frequent catalog words one
edit away ("apple") are searched beside it.

A number typed against a known word is parted from it ("rtx2060" -> "rtx 2060", "iphone7" ->
"iphone 7") unless titles write the two joined ("ps4").

The last word, when the catalog does not know it, may be unfinished: a shopper pressed enter
mid-word ("bluetooth spea", "headph"). It becomes the word autocomplete would finish it with,
the catalog's most used of those titles hold beside the words before it ("speaker"), before
any edit is tried; what the edits would have made of it is searched beside it.

A word in another script that the catalog does not know is read in Latin letters (anyascii)
when that spelling is a catalog word: a shopper on a Cyrillic or Greek keyboard types "тонер",
"принтер" or "тв" for "toner", "printer", "tv".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from anyascii import anyascii
from symspellpy import SymSpell, Verbosity

from .completions import QueryCompleter, get_query_completer
from .file_cached import Derived
from .vocabulary import TITLE_WEIGHT, Vocabulary, get_vocabulary, titles_holding

# Weighted frequency from which a token counts as known to the catalog.
KNOWN_MIN_COUNT = 4
# A known-but-rare token is suggested away only for a neighbour this much more frequent.
RARE_SUGGESTION_RATIO = 50
# Tokens shorter than this are too ambiguous to correct ("tv", "pc", "aa"); longer than the
# longest catalog words they are noise, and costly to look up.
MIN_CORRECTABLE_LENGTH, MAX_CORRECTABLE_LENGTH = 4, 24
# Words up to this long are corrected one edit away only: two reach too many unrelated words.
ONE_EDIT_MAX_LENGTH = 5
# Only the first words of a long query are examined: keeps a 1,000-character query cheap.
MAX_CORRECTED_TOKENS = 12
MIN_SPLIT_PART_LENGTH = 2
# An English word the catalog does not use is corrected to a word one edit away that
# titles use at least this often (title bigram occurrences).
REAL_WORD_TITLE_COUNT = 20
# A shorter word the catalog does not know is corrected only where a neighbouring word makes
# a candidate one edit away a phrase titles use at least this often ("laptop cas").
SHORT_WORD_CONTEXT_COUNT = 3
# A typed query becomes a logged one a few edits away only when shoppers searched that one
# successfully this many times more often than what was typed (and at least this often).
LOGGED_QUERY_DOMINANCE, LOGGED_QUERY_MIN_COUNT = 10, 3
# Odds against a typo in the first letter (see `edits_and_doubts`). On two-variant typo sets
# (one- and two-edit variants, 10 seeds) the mean ratio was 0.842 with such corrections
# ruled out, 0.875 at 5, 0.884 at 1: the generated typos hit every letter alike, people less.
# The odds are against a rival that keeps the first letter: with none, they once applied
# against 5 x KNOWN_MIN_COUNT and left "icrwave", "lashligt" uncorrected (seeds 101-130, one-
# and two-edit variants: 0.9059 with that floor, 0.9130 without; one-edit variants unchanged).
FIRST_LETTER_ODDS = 5
# An unknown word's next-best corrections searched beside the best one, and the best
# guesses for a three-letter word too ambiguous to correct (see `correct`). Mean typo ratio
# over 30 seeds: 0.948 with none, 0.952 / 0.953 / 0.953 / 0.952 with 1-4; guessing for
# three-letter words too: 0.962 / 0.964 / 0.962 with 1-3. Two-edit guesses for short words
# lifted the one- and two-edit set (10 seeds) 0.875 -> 0.886.
RUNNER_UPS = 2
# The shortest word guessed at or doubted: one letter short of correctable. Shorter runner-ups
# are not searched (`worth_guessing`): seeds 101-130, one- and two-edit variants 0.9229 ->
# 0.9236, one-edit variants 0.9711 -> 0.9736, only gains ("esk" searches "desk" and "psk", not
# "es"; "xbx" searches "xbox", not "bx").
MIN_GUESS_LENGTH = MIN_CORRECTABLE_LENGTH - 1
# A word two edits away replaces the closest candidate where the neighbouring words make it a
# title phrase (at least this often, and this many times more often than the closest) and it
# is this many times more frequent: the odds against the extra edit. Mean typo ratio, one- and
# two-edit variants, seeds 101-120: 0.8945 -> 0.9052; one-edit variants (seeds 101-130) alone
# unchanged (0.9640). Without the frequency odds that set fell to 0.9614: "aming pc" became
# "mini pc", "xternal dvd" became "internal dvd" (titles never say "external dvd").
CONTEXT_EDIT_COUNT, CONTEXT_EDIT_DOMINANCE, CONTEXT_EDIT_ODDS = 1, 5, 10
# A word two edits away also replaces the closest candidate where no title holds the closest
# with the neighbouring words (nor puts them together as a phrase) and at least this many hold
# the word with them: a correction whose words no product shares is no likelier than the extra
# edit ("lapo stand" is "laptop stand", not "lipo stand"; "sd coid" is "sd card", not "sd cord").
TOGETHER_EDIT_COUNT = 3
NEIGHBOURS_KEPT = 256
# A known word its neighbour never stands beside in titles, one edit from a word the neighbour
# makes a title phrase at least this often, has that word searched beside it ("dvd layer":
# "dvd player"). Seeds 101-130: one- and two-edit variants 0.9157 -> 0.9175, one-edit 0.9633
# -> 0.9655; no clean dev query has such a pair.
PHRASE_DOUBT_COUNT = 3
# An English word the catalog does not use ("appel", "del") stays as typed, and the catalog
# words one edit away used at least this often (weighted count) are searched beside it:
# "apple" (168), "dell" (1,060). Rarer neighbours are left out: "vans", which matches only
# by meaning here, lost NDCG@10 0.737 -> 0.665 with "fans" (48) and "van" (25) beside it.
UNUSED_WORD_NEIGHBOUR_COUNT = 100
# A word of two or more letters with a number typed against it ("rtx2060", "playstation4").
WORD_THEN_NUMBER = re.compile(r"([^\W\d_]{2,})(\d+)")
# An unfinished last word becomes the catalog's most used word of this many completions.
COMPLETIONS_WEIGHED = 5


@dataclass(frozen=True)
class SpellingResult:
    tokens: tuple[str, ...]  # the tokens to search for, corrections applied
    corrected: str | None  # the corrected query, when a correction was applied
    did_you_mean: str | None  # the suggestion to show, applied or not
    corrections: tuple[tuple[str, str], ...] = ()  # (what was typed, what it became)
    # (position in `tokens`, word): what an unknown or rare word may have meant besides what
    # replaced it or what was typed
    runner_ups: tuple[tuple[int, str], ...] = ()


class SpellingCorrector:
    def __init__(self, vocabulary: Vocabulary, completer: QueryCompleter | None = None):
        # Finishes an unfinished last word: autocomplete's, when the vocabulary is the same.
        self.completer = completer if completer is not None else QueryCompleter(vocabulary)
        self.terms = vocabulary.terms
        self.bigrams = vocabulary.bigrams
        self.brand_tokens = vocabulary.brand_words
        self.common_words = set(vocabulary.common_words)
        # Ties go to the more frequent English word: the vocabulary lists them most frequent first.
        self.english_rank = {word: rank for rank, word in enumerate(vocabulary.common_words)}
        self.protected = self.brand_tokens | self.common_words
        # How often titles use each word (from the title bigrams).
        self.title_counts: Counter[str] = Counter()
        self.postings = vocabulary.title_postings
        # A query's neighbouring words are looked up for every candidate of the word between.
        self.titles_holding = lru_cache(maxsize=NEIGHBOURS_KEPT)(self._titles_holding)
        for pair, count in self.bigrams.items():
            first, second = pair.split(" ", 1)
            self.title_counts[first] += count
            self.title_counts[second] += count
        self.symspell = SymSpell(max_dictionary_edit_distance=2)
        for term, count in self.terms.items():
            if count >= KNOWN_MIN_COUNT:
                self.symspell.create_dictionary_entry(term, count)
        # Common English words the catalog rarely or never uses are corrected to as well
        # ("microwjve" -> "microwave"), at the lowest count, so a catalog word at the same
        # distance wins; the dense channel can find what the lexical one cannot. Only those
        # about what the catalog sells (relatedness.py): "heaste" is "headset", not "haste".
        targets = vocabulary.common_words if vocabulary.related_words is None else vocabulary.related_words
        for word in targets:
            if self.terms.get(word, 0) < KNOWN_MIN_COUNT:
                self.symspell.create_dictionary_entry(word, KNOWN_MIN_COUNT)
        self.logged_queries = vocabulary.queries
        self.query_symspell = SymSpell(max_dictionary_edit_distance=2)
        for query, count in self.logged_queries.items():
            if count >= LOGGED_QUERY_MIN_COUNT:
                self.query_symspell.create_dictionary_entry(query, count)

    def correct(self, tokens: Sequence[str]) -> SpellingResult:
        latin = tuple(self.in_latin_letters(token) for token in tokens)
        result = self.correct_latin(latin)
        folds = tuple((typed, read) for typed, read in zip(tokens, latin, strict=True) if typed != read)
        if not folds:
            return result
        typed, corrected = " ".join(tokens), " ".join(result.tokens)
        return replace(
            result,
            corrected=corrected if corrected != typed else None,
            did_you_mean=result.did_you_mean or " ".join(latin),
            corrections=folds + result.corrections,
        )

    def in_latin_letters(self, token: str) -> str:
        """`token` transliterated, when it is not ASCII (another script, or accents: "écran"),
        the catalog does not know it, and its Latin spelling is a catalog word or brand; else
        `token` itself."""
        if token.isascii() or self.known_or_protected(token):
            return token
        latin = anyascii(token).casefold()
        return latin if latin.isalnum() and self.known_or_protected(latin) else token

    def correct_latin(self, tokens: Sequence[str]) -> SpellingResult:
        logged = self.logged_query(tokens)
        if logged is not None:
            fixed = tuple(logged.split())
            return SpellingResult(
                tokens=fixed,
                corrected=logged,
                did_you_mean=logged,
                corrections=tuple((a, b) for a, b in zip(tokens, fixed, strict=True) if a != b),
            )
        separated, separations = self.separate_numbers(tokens)
        joined, joins = self.join_split_words(separated)
        applied: list[str] = []
        suggested: list[str] = []
        runner_ups: list[tuple[int, str]] = []
        for position, token in enumerate(joined):
            if position >= MAX_CORRECTED_TOKENS:
                applied.append(token)
                suggested.append(token)
                continue
            # Context: the word before as corrected, the word after as typed.
            before = applied[-1] if applied else ""
            after = joined[position + 1] if position + 1 < len(joined) else ""
            if not self.correctable(token):
                replacement = (
                    self.real_word_edit(token, before, after)
                    or self.short_word_in_context(token, before, after)
                    or token
                )
                if replacement == token:
                    doubts = self.doubts_about_a_kept_word(token, before, after)
                    runner_ups.extend((token_count(applied), word) for word in doubts)
                applied.append(replacement)
                suggested.append(replacement)
                continue
            count = self.terms.get(token, 0)
            if count == 0:
                edits, doubts = self.edits_and_doubts(token, 0, before, after)
                finished = self.finished_word(applied, token) if position == len(joined) - 1 else None
                replacement = finished or (edits[0] if edits else None) or self.best_split(token) or token
                next_best = worth_guessing([word for word in edits + doubts if word != replacement])
                runner_ups.extend((token_count(applied), word) for word in next_best)
                if replacement == token:
                    guesses = self.distant_guesses(token, before, after)
                    runner_ups.extend((token_count(applied), word) for word in guesses)
                applied.append(replacement)
                suggested.append(replacement)
            else:
                rare = self.best_edit(token, count * RARE_SUGGESTION_RATIO, before, after)
                if rare:  # likelier a typo (often the catalog's own) than meant: search both
                    runner_ups.append((token_count(applied), rare))
                applied.append(token)
                suggested.append(rare or token)
        original = " ".join(tokens)
        corrected = " ".join(applied)
        suggestion = " ".join(suggested)
        edits = [(typed, fixed) for typed, fixed in zip(joined, suggested, strict=True) if typed != fixed]
        return SpellingResult(
            tokens=tuple(corrected.split()),
            corrected=corrected if corrected != original else None,
            did_you_mean=suggestion if suggestion != original else None,
            corrections=(*separations, *joins, *edits),
            runner_ups=tuple(runner_ups),
        )

    def finished_word(self, before: list[str], token: str) -> str | None:
        """The word an unfinished last word most likely becomes ("bluetooth spea" -> "speaker",
        "headph" -> "headphones"), as Elasticsearch's `match_bool_prefix` reads a query's last
        term as a prefix: of the completions autocomplete would offer first (title words that
        start with it, in titles beside the words before it), the one the catalog uses most,
        as corrections are chosen ("appl": "apple", 168, before "appliance", 52). None when no
        known word starts with it beside those words."""
        completions = self.completer.complete(" ".join([*before, token]), COMPLETIONS_WEIGHED)
        # A logged search may go on past the word being finished: its word at that place.
        words = [
            parts[len(before)] for parts in (c.text.split() for c in completions) if len(parts) > len(before)
        ]
        best = max(words, key=lambda word: self.terms.get(word, 0), default=None)
        return best if best is not None and self.terms.get(best, 0) >= KNOWN_MIN_COUNT else None

    def logged_query(self, tokens: Sequence[str]) -> str | None:
        """The query shoppers searched successfully that `tokens` most likely mistypes: the most
        searched one at the smallest edit distance (1 for four characters or fewer, else 2)
        that changes only words the catalog does not know, searched LOGGED_QUERY_DOMINANCE
        times more often than the typed query. None without a query log or such a query."""
        if not self.logged_queries or not 0 < len(tokens) <= MAX_CORRECTED_TOKENS:
            return None
        unknown = [token.isalpha() and not self.known_or_protected(token) for token in tokens]
        if not any(unknown):
            return None
        typed = " ".join(tokens)
        floor = max(LOGGED_QUERY_MIN_COUNT, LOGGED_QUERY_DOMINANCE * self.logged_queries.get(typed, 0))
        max_distance = 1 if len(typed) <= 4 else 2
        candidates = [
            suggestion
            for suggestion in self.query_symspell.lookup(
                typed, Verbosity.CLOSEST, max_edit_distance=max_distance
            )
            if suggestion.distance > 0
            and suggestion.count >= floor
            and self.changes_only_unknown_words(tokens, unknown, suggestion.term.split())
        ]
        return max(candidates, key=lambda s: (s.count, s.term)).term if candidates else None

    @staticmethod
    def changes_only_unknown_words(tokens: Sequence[str], unknown: list[bool], candidate: list[str]) -> bool:
        return len(candidate) == len(tokens) and all(
            typed == fixed or is_unknown
            for typed, fixed, is_unknown in zip(tokens, candidate, unknown, strict=True)
        )

    def known_or_protected(self, token: str) -> bool:
        return token in self.protected or self.terms.get(token, 0) >= KNOWN_MIN_COUNT

    def correctable(self, token: str) -> bool:
        """Only alphabetic words the catalog does not know well, and never protected ones."""
        if not MIN_CORRECTABLE_LENGTH <= len(token) <= MAX_CORRECTABLE_LENGTH:
            return False
        return token.isalpha() and not self.known_or_protected(token)

    def best_edit(self, token: str, min_count: int, before: str = "", after: str = "") -> str | None:
        edits = self.ranked_edits(token, min_count, before, after)
        return edits[0] if edits else None

    def ranked_edits(self, token: str, min_count: int, before: str = "", after: str = "") -> list[str]:
        return self.edits_and_doubts(token, min_count, before, after)[0]

    def edits_and_doubts(
        self, token: str, min_count: int, before: str = "", after: str = ""
    ) -> tuple[list[str], list[str]]:
        """The known words at the smallest edit distance, best first: the one titles most
        often put next to the neighbouring words ("laptop tand" -> "laptop stand", not
        "laptop and"), then the most frequent. Short words get one edit, where two reach too
        many unrelated words. Typists get the first letter wrong less often than the others,
        so a two-edit word that changes it must be FIRST_LETTER_ODDS times more frequent than
        the best that keeps it: "amezra" is "camera" (a catalog word), not "ameba". When no
        candidate keeps the first letter, that is where the typo is: "icrwave" is "microwave".

        Second, the doubts: words those odds held back ("siphne": "iphone", behind "sine"),
        too unlikely to replace the token and still worth searching beside it."""
        max_distance = 1 if len(token) <= ONE_EDIT_MAX_LENGTH else 2
        found = self.symspell.lookup(token, Verbosity.CLOSEST, max_edit_distance=max_distance)
        rival = FIRST_LETTER_ODDS * max((s.count for s in found if s.term[0] == token[0]), default=0)
        candidates, doubts = [], []
        for suggestion in found:
            if suggestion.term == token or suggestion.count < max(min_count, KNOWN_MIN_COUNT):
                continue
            likely = suggestion.distance == 1 or suggestion.term[0] == token[0] or suggestion.count >= rival
            (candidates if likely else doubts).append(suggestion)
        ranked = self.by_likelihood(candidates, before, after)
        in_context = self.edits_in_context(token, min_count, before, after, ranked[0] if ranked else None)
        edits = in_context + [word for word in ranked if word not in in_context]
        return edits, [word for word in self.by_likelihood(doubts, before, after) if word not in edits]

    def edits_in_context(
        self, token: str, min_count: int, before: str, after: str, closest: str | None
    ) -> list[str]:
        """Words two edits away that the neighbouring words make a title phrase far more often
        than the closest candidate, and that are far more frequent ("dvd layee" -> "dvd
        player", not "dvd layer"; "laptop awse" -> "laptop case"): noisy-channel odds, where
        the phrase and the word's frequency outweigh the extra edit."""
        if not (before or after):
            return self.far_likelier_longer(token, min_count, closest)
        closest_phrases = self.context_count(before, closest or "", after)
        phrase_floor = max(CONTEXT_EDIT_COUNT, CONTEXT_EDIT_DOMINANCE * closest_phrases)
        count_floor = max(min_count, KNOWN_MIN_COUNT, CONTEXT_EDIT_ODDS * self.symspell.words.get(closest, 0))
        two_edits = self.two_edits_away(token)
        found = [
            suggestion
            for suggestion in two_edits
            if suggestion.count >= count_floor
            and self.context_count(before, suggestion.term, after) >= phrase_floor
        ]
        in_phrases = self.by_likelihood(found, before, after)
        # No title holds the closest candidate with the neighbouring words, nor as a phrase.
        stranded = (
            closest is not None and not closest_phrases and not self.together_count(before, closest, after)
        )
        if not stranded:
            return in_phrases
        held = self.held_together(token, two_edits, min_count, before, after)
        return in_phrases + [word for word in held if word not in in_phrases]

    def far_likelier_longer(self, token: str, min_count: int, closest: str | None) -> list[str]:
        """With no neighbouring word to judge by, when the closest candidate is an English word
        no product's text uses: the words two edits away at least as long as the typed one and
        CONTEXT_EDIT_ODDS times as frequent. A shopper here likelier means a product word, the
        frequency outweighs the extra edit, and dropped letters are the slip to undo: "batties"
        is "batteries", not "patties"; "pinrter" is "printer", not "pinter". A closest word
        the catalog uses stays, however rarely ("microgave" is "microwave", which descriptions
        name, not "microsaver"). Short words get one edit only: two reach too many unrelated
        words ("tiod": "tick", "hood", "ipod")."""
        if closest is None or len(token) <= ONE_EDIT_MAX_LENGTH or closest in self.terms:
            return []
        floor = max(min_count, KNOWN_MIN_COUNT, CONTEXT_EDIT_ODDS * self.symspell.words.get(closest, 0))
        found = [s for s in self.two_edits_away(token) if s.count >= floor and len(s.term) >= len(token)]
        return self.by_likelihood(found, "", "")

    def held_together(
        self, token: str, suggestions: list, min_count: int, before: str, after: str
    ) -> list[str]:
        """For a closest candidate no title holds with the neighbouring words, nor puts with
        them as a phrase: the words of `suggestions` that at least TOGETHER_EDIT_COUNT titles
        hold with them, those most titles hold first. Only words at least as long as the typed
        one: dropped letters are the slip to undo ("lapo" -> "laptop"); two letters typed in
        excess are unlikely, and undoing them reaches too many short words ("gamin pc" would be
        "min pc", "dsk" any three letters)."""
        if len(token) < MIN_CORRECTABLE_LENGTH:
            return []
        floor = max(min_count, KNOWN_MIN_COUNT)
        held = [
            (together, suggestion.count, suggestion.term)
            for suggestion in suggestions
            if suggestion.count >= floor
            and len(suggestion.term) >= len(token)
            and (together := self.together_count(before, suggestion.term, after)) >= TOGETHER_EDIT_COUNT
        ]
        return [term for _, _, term in sorted(held, reverse=True)]

    def one_edit_away(self, token: str) -> list:
        """Dictionary words exactly one edit from `token` (ALL, not CLOSEST: a known token is
        in the dictionary itself, at distance 0)."""
        return [s for s in self.symspell.lookup(token, Verbosity.ALL, max_edit_distance=1) if s.distance == 1]

    def two_edits_away(self, token: str) -> list:
        """Dictionary words exactly two edits from `token` (ALL: also when closer words exist)."""
        return [s for s in self.symspell.lookup(token, Verbosity.ALL, max_edit_distance=2) if s.distance == 2]

    def distant_guesses(self, token: str, before: str, after: str) -> list[str]:
        """For a word of five letters or fewer with no correction one edit away ("cfee"), the
        likeliest words two edits away ("coffee"): too unsure to replace it, worth searching."""
        if len(token) > ONE_EDIT_MAX_LENGTH:
            return []  # ranked_edits looked two edits away already
        # Called only when nothing one edit away was found: these are the closest words.
        return worth_guessing(self.by_likelihood(self.two_edits_away(token), before, after))

    def by_likelihood(self, suggestions: list, before: str, after: str) -> list[str]:
        """Words titles most often put next to the neighbouring words first, then the most
        frequent; among equals, the more frequent English word (catalog words have no rank)."""
        unranked = len(self.english_rank)
        ranked = sorted(
            suggestions,
            key=lambda s: (
                -self.context_count(before, s.term, after),
                -s.count,
                self.english_rank.get(s.term, unranked),
            ),
        )
        return [s.term for s in ranked]

    def real_word_edit(self, token: str, before: str, after: str) -> str | None:
        """An English word the catalog does not use, one edit from a word its titles use
        often, is taken for a typo of that word ("naming pc" -> "gaming pc", "hone charger"
        -> "phone charger"): as typed it matches nothing, and a shopper of this catalog is
        far likelier to mean the product word. Brands and words the catalog knows stay. A
        title phrase two edits away wins here too ("extension cods" -> "extension cord")."""
        if (
            not self.unused_english_word(token)
            or not MIN_CORRECTABLE_LENGTH <= len(token) <= MAX_CORRECTABLE_LENGTH
        ):
            return None
        candidates = [
            suggestion.term
            for suggestion in self.one_edit_away(token)
            if self.title_counts.get(suggestion.term, 0) >= REAL_WORD_TITLE_COUNT
        ]
        closest = max(
            candidates,
            key=lambda term: (self.context_count(before, term, after), self.title_counts[term]),
            default=None,
        )
        in_context = self.edits_in_context(token, 0, before, after, closest)
        return in_context[0] if in_context else closest

    def short_word_in_context(self, token: str, before: str, after: str) -> str | None:
        """A word too short to correct alone, which the catalog does not know, is corrected
        to the word one edit away that the neighbouring word makes a title phrase: "laptop
        cas" -> "laptop case". Alone, three letters are one edit from too many words."""
        if not self.short_unknown(token) or not (before or after):
            return None
        count, best = self.likeliest_phrase_edit(token, before, after)
        return best if count >= SHORT_WORD_CONTEXT_COUNT else None

    def doubts_about_a_kept_word(self, token: str, before: str, after: str) -> list[str]:
        """What a word that stays as typed may have meant, to search beside it: the title
        phrase one edit away for a catalog word out of place ("dvd layer"), the likeliest
        words for a three-letter unknown word too ambiguous to replace ("dsk"), and the
        frequent catalog words one edit from an English word the catalog does not use
        ("appel": "apple")."""
        if doubt := self.phrase_doubt(token, before, after):
            return [doubt]
        if self.short_unknown(token):
            return worth_guessing(self.ranked_edits(token, 0, before, after))
        if len(token) >= MIN_GUESS_LENGTH and token.isalpha() and self.unused_english_word(token):
            return worth_guessing(self.frequent_words_one_edit_away(token, before, after))
        return []

    def unused_english_word(self, token: str) -> bool:
        """An English word the catalog does not use, nor a brand."""
        return (
            token in self.common_words
            and token not in self.brand_tokens
            and self.terms.get(token, 0) < KNOWN_MIN_COUNT
        )

    def frequent_words_one_edit_away(self, token: str, before: str, after: str) -> list[str]:
        """Catalog words one edit from `token` used at least UNUSED_WORD_NEIGHBOUR_COUNT
        times, likeliest first."""
        found = [
            suggestion
            for suggestion in self.one_edit_away(token)
            if self.terms.get(suggestion.term, 0) >= UNUSED_WORD_NEIGHBOUR_COUNT
        ]
        return self.by_likelihood(found, before, after)

    def phrase_doubt(self, token: str, before: str, after: str) -> str | None:
        """A real-word typo's likely meaning: for a catalog word that titles never put beside
        its neighbour ("dvd layer"), the word one edit away they most often do ("player"),
        when at least PHRASE_DOUBT_COUNT times. Only a doubt, searched beside the word: it is
        a word, and may be meant. Plurals are no typo ("red case" is "red cases"), and two
        letters ("tv", "pc") are one edit from too much."""
        if (
            len(token) < MIN_GUESS_LENGTH
            or not token.isalpha()
            or token in self.brand_tokens
            or self.terms.get(token, 0) < KNOWN_MIN_COUNT
            or not (before or after)
            or self.context_count(before, token, after) > 0
        ):
            return None
        plurals = (f"{token}s", token.removesuffix("s"))
        count, best = self.likeliest_phrase_edit(token, before, after, skip=plurals)
        return best if count >= PHRASE_DOUBT_COUNT else None

    def likeliest_phrase_edit(
        self, token: str, before: str, after: str, skip: Sequence[str] = ()
    ) -> tuple[int, str | None]:
        """The word one edit from `token` (none of `skip`) that the neighbouring words most
        often make a title phrase, and how often: (0, None) when there is none."""
        return max(
            (
                (self.context_count(before, suggestion.term, after), suggestion.term)
                for suggestion in self.one_edit_away(token)
                if suggestion.term not in skip
            ),
            default=(0, None),
        )

    def short_unknown(self, token: str) -> bool:
        """A three-letter word the catalog does not know ("dsk"), nor a brand or common word."""
        return (
            len(token) == MIN_GUESS_LENGTH
            and token.isalpha()
            and token not in self.protected
            and self.terms.get(token, 0) < KNOWN_MIN_COUNT
        )

    def context_count(self, before: str, word: str, after: str) -> int:
        """How often titles put `word` beside its neighbours: as a pair, or run together as
        one word ("smart watch" is mostly written "smartwatch", "smart cache" never)."""
        if not word:
            return 0
        count = self.bigrams.get(f"{before} {word}", 0) + self.bigrams.get(f"{word} {after}", 0)
        if before:
            count += self.title_counts.get(before + word, 0)
        if after:
            count += self.title_counts.get(word + after, 0)
        return count

    def together_count(self, before: str, word: str, after: str) -> int:
        """How many titles hold `word` and its neighbouring words anywhere (0 without a
        neighbour titles hold: a misspelt neighbour says nothing)."""
        context = tuple(w for w in f"{before} {after}".split() if w in self.postings and w != word)
        if not context or word not in self.postings:
            return 0
        return len(self.titles_holding(context).intersection(self.postings[word]))

    def _titles_holding(self, words: tuple[str, ...]) -> frozenset[int]:
        return frozenset(titles_holding(self.postings, words))

    def best_split(self, token: str) -> str | None:
        """Split a run-together word ("wirelessmouse") where titles use the resulting pair most."""
        best, best_count = None, 0
        for cut in range(MIN_SPLIT_PART_LENGTH, len(token) - MIN_SPLIT_PART_LENGTH + 1):
            pair = f"{token[:cut]} {token[cut:]}"
            count = self.bigrams.get(pair, 0)
            if count > best_count:
                best, best_count = pair, count
        return best

    def separate_numbers(self, tokens: Sequence[str]) -> tuple[list[str], list[tuple[str, str]]]:
        """Part a known word from the number typed against it ("rtx2060" -> "rtx 2060",
        "iphone7" -> "iphone 7") where no title holds them joined and titles use the number:
        the catalog writes "GeForce RTX 2060", and the joined word matched nothing. A model
        number titles write joined ("ps4", "nc4400") stays whole."""
        result: list[str] = []
        separations: list[tuple[str, str]] = []
        for position, token in enumerate(tokens):
            match = WORD_THEN_NUMBER.fullmatch(token) if position < MAX_CORRECTED_TOKENS else None
            if (
                match is not None
                and not self.postings.get(token)
                and self.known_or_protected(match[1])
                and self.postings.get(match[2])
            ):
                result.extend(match.groups())
                separations.append((token, " ".join(match.groups())))
            else:
                result.append(token)
        return result, separations

    def join_split_words(self, tokens: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
        """Join "blue tooth" into "bluetooth" when titles write it joined more often than apart.
        Both words may be real ("head set"): frequency decides, so a phrase the catalog does
        use apart ("usb hub") stays apart. Only into a word titles write: "usbc" is a word for
        the feature it names (usb_c), but titles write "USB-C", which the index holds as "usb"
        and "c", so "usb c hub" searched as "usbc hub" found USB 2.0 hubs first."""
        result: list[str] = []
        joins: list[tuple[str, str]] = []
        index = 0
        while index < len(tokens):
            if index + 1 < len(tokens) and index < MAX_CORRECTED_TOKENS:
                first, second = tokens[index], tokens[index + 1]
                joined = first + second
                if (
                    first.isalpha()
                    and second.isalpha()
                    and self.terms.get(joined, 0) >= KNOWN_MIN_COUNT
                    and joined in self.postings
                    and self.terms[joined] > self.bigrams.get(f"{first} {second}", 0) * TITLE_WEIGHT
                ):
                    result.append(joined)
                    joins.append((f"{first} {second}", joined))
                    index += 2
                    continue
            result.append(tokens[index])
            index += 1
        return result, joins


def worth_guessing(words: Sequence[str]) -> list[str]:
    """The first RUNNER_UPS of `words` long enough to search beside what was typed: a
    two-letter word ("ip" for "ipd", "es" for "esk") is one edit from too much to be a good
    guess."""
    return [word for word in words if len(word) >= MIN_GUESS_LENGTH][:RUNNER_UPS]


def token_count(words: list[str]) -> int:
    """Tokens in `words` (a split word, "wireless mouse", is two): the next word's position."""
    return sum(len(word.split()) for word in words)


# Rebuilt when the vocabulary is reloaded, sharing autocomplete's completer.
get_corrector = Derived(
    get_vocabulary, lambda vocabulary: SpellingCorrector(vocabulary, get_query_completer())
)
