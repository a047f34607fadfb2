"""`python -m service.docs`: regenerate `rules/CATALOGUE.md` and update the translations' .po files."""

import sys

from service.docs import messages
from service.docs.catalogue import main

sys.exit(main() or messages.main())
