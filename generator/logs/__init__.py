"""Checking the catalog against real tracking logs: read (stream the files), records (one shape for
every kind of record), pii (values that look personal), check (findings and the report), infer
(draft definitions for undocumented events), coverage (the site page's context)."""
