"""Preloaded by the segmentation pool's fork server: workers start with jieba loaded."""

from search.analysis import init_jieba
from search.pipeline import analyse_chunk

__all__ = ["analyse_chunk"]

init_jieba()
