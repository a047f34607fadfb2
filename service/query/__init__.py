"""The query language: one line of tokens in, a validated `RecommendationRequest` out (issue 5).

One grammar for every front end: `GET /v1/recommendations?q=` (service.api.routes), `netadvisor ask`
(service.cli.ask) and the chat adapters (service.chat). `tokens` holds the vocabulary, `problems` what is
wrong with a query, `grammar` the parser and `help` the generated list of tokens. The front ends import
those modules; this package module imports nothing, so loading one part never loads the rest.
"""
