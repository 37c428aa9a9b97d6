"""The credit file: enterprises, their records, import, rulebooks, scoring and ratings."""
