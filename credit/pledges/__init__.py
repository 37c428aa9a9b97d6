"""The credit pledge (信用承诺): a text from configuration that an enterprise's manager signs
once a year; shown publicly and, where a rulebook enables it, worth points."""
