"""bench/segmenters: jieba 0.42.1 (the reference), rjieba and jieba_fast_dat on the bench corpus.

``python -m bench.segmenters [N]`` (N documents of bench/search's corpus, default 30000): for
each segmenter, in a fresh process, the RSS after importing it and loading its dictionary, the
documents per second of :func:`search.analysis.tokens`'s post-processing over title and body,
and the share of documents whose token lists are identical to jieba 0.42.1's.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator

SEGMENTERS = ("jieba", "rjieba", "jieba_fast_dat")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_WORD = re.compile(r"\w", re.UNICODE)


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _clean(text: str) -> str:  # search.analysis.clean, without importing the app's segmenter
    value = unicodedata.normalize("NFKC", text or "")
    return " ".join(_CONTROL.sub(" ", value).split())


def loader(name: str) -> Callable[[str], Iterator[tuple[str, int, int]]]:
    """The segmenter's search-mode ``tokenize``, its dictionary loaded."""
    if name == "jieba":
        import jieba

        jieba.setLogLevel(60)
        jieba.initialize()
        return lambda text: jieba.tokenize(text, mode="search")
    if name == "rjieba":
        import rjieba

        rjieba.cut("兰州")
        return lambda text: rjieba.tokenize(text, mode="search")
    if name == "jieba_fast_dat":
        import jieba_fast_dat

        from search.analysis import jieba_dictionary

        jieba_fast_dat.setLogLevel(60)
        jieba_fast_dat.set_dictionary(jieba_dictionary())
        jieba_fast_dat.initialize()
        return lambda text: jieba_fast_dat.tokenize(text, mode="search")
    raise ValueError(name)


def tokens_with(tokenize: Callable[[str], Iterator[tuple[str, int, int]]], text: str) -> list[str]:
    """search.analysis.tokens with the given segmenter."""
    out = []
    for word, _start, _end in tokenize(_clean(text).lower()):
        word = word.strip()
        if word and _WORD.search(word):
            out.append(word)
    return out


def corpus(n: int) -> list[str]:
    """Title and body of the first n documents of bench/search's corpus (1/3 enterprises)."""
    from bench.search import _sources

    docs = _sources(n // 3, n - n // 3)
    return [f"{d['title']} {d['body_text']}" for d in docs]


def measure(name: str, n: int, out: str) -> None:
    """In this (fresh) process: RSS, docs/s, token lists written to ``out`` (one JSON a line)."""
    texts = corpus(n)  # before the segmenter: its RSS is the difference
    base = rss_mib()
    t0 = time.perf_counter()
    tokenize = loader(name)
    load_s = time.perf_counter() - t0
    loaded = rss_mib()
    t0 = time.perf_counter()
    lists = [tokens_with(tokenize, text) for text in texts]
    rate = len(texts) / (time.perf_counter() - t0)
    with open(out, "w", encoding="utf-8") as f:
        for item in lists:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    # a bare interpreter with the same corpus, for the "process after loading" figure
    print(
        json.dumps(
            {
                "segmenter": name,
                "load_s": round(load_s, 2),
                "rss_before_mib": round(base, 1),
                "rss_loaded_mib": round(loaded, 1),
                "dictionary_mib": round(loaded - base, 1),
                "docs_per_s": round(rate),
            }
        )
    )


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--one":
        measure(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30000
    folder = tempfile.gettempdir()
    results, lists = [], {}
    for name in SEGMENTERS:
        out = os.path.join(folder, f"segmenters-{name}.jsonl")
        run = subprocess.run(
            [sys.executable, "-m", "bench.segmenters", "--one", name, str(n), out],
            check=True,
            capture_output=True,
            text=True,
        )
        results.append(json.loads(run.stdout.strip().splitlines()[-1]))
        with open(out, encoding="utf-8") as f:
            lists[name] = f.read().splitlines()
        os.remove(out)
    reference = lists["jieba"]
    texts = corpus(n)
    for result in results:
        same = sum(a == b for a, b in zip(lists[result["segmenter"]], reference, strict=True))
        result["agreement_pct"] = round(100 * same / len(reference), 2)
        first = next(
            (
                i
                for i, (a, b) in enumerate(zip(lists[result["segmenter"]], reference, strict=True))
                if a != b
            ),
            None,
        )
        if first is not None:
            result["first_difference"] = texts[first][:80]
        print(json.dumps(result, ensure_ascii=False))
    print(json.dumps({"documents": n, "load_average": os.getloadavg()}))


if __name__ == "__main__":
    main()
