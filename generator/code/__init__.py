"""Implementation status from the code: scan (find the files, read them), python and javascript
(one reader per language: `ast`, tree-sitter), facts (what a reader takes out of a file), signatures
(the emitting APIs and where they take the name), resolve (constants across modules, wrappers to a
fixed point), compare (the calls against the catalog), report (JSON, gates), text, status (the site
page's context)."""
