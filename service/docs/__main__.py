"""`python -m service.docs`: regenerate `rules/CATALOGUE.md` and the README's request fields table."""

import sys

from service.docs import catalogue, fields

sys.exit(catalogue.main() or fields.main())
