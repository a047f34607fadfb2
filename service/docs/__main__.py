"""`python -m service.docs`: regenerate `rules/CATALOGUE.md`."""

import sys

from service.docs.catalogue import main

sys.exit(main())
