"""`python -m service.docs`: regenerate `rules/CATALOGUE.md`, the README's request fields table and the
translations' .po files."""

import sys

from service.docs import catalogue, fields, messages

sys.exit(catalogue.main() or fields.main() or messages.main())
