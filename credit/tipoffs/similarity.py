"""How alike two tip-off texts are: character n-gram Jaccard similarity.

Chinese has no spaces between words and most words are two or three characters long, so
the texts are compared as sets of character bigrams (after NFKC folding, lower
case, and dropping spaces and punctuation). Jaccard of those sets is 1.0 for the same text
and 0.0 for texts without a common pair of characters. It needs no model and no library and
is stable across releases; its precision and recall on a labelled set of pairs are measured
in ``tests/credit/test_duplicates.py`` (data: ``tests/data/tipoff_duplicate_pairs.json``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

#: the n-gram sizes compared (bigrams: most Chinese words have two characters; on the
#: labelled set they separate paraphrases from other problems better than trigrams)
SIZES = (2,)
#: texts are compared on their first this many characters (a 4000-character report is
#: mostly detail; the problem is stated at the start)
MAX_CHARS = 600


def normalize(text: str) -> str:
    """NFKC, lower case, letters and digits only (spaces and punctuation dropped)."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in folded if ch.isalnum())[:MAX_CHARS]


def shingles(text: str, sizes: Iterable[int] = SIZES) -> frozenset[str]:
    """The set of character n-grams of the normalised text (the text itself when shorter)."""
    norm = normalize(text)
    grams: set[str] = set()
    for n in sizes:
        if len(norm) < n:
            if norm:
                grams.add(norm)
            continue
        grams.update(norm[i : i + n] for i in range(len(norm) - n + 1))
    return frozenset(grams)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b|; 0.0 when both are empty."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def text_similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' character bigrams, 0–1."""
    return jaccard(shingles(a), shingles(b))
