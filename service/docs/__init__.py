"""Generated documentation: `rules/CATALOGUE.md` and the request fields table in README.md
(`python -m service.docs`, run by `make docs`).

`catalogue` renders the selection rules and appends the review rules (service.review.docs); `conditions`
is the condition text both of them use, so neither imports the other back.
"""
