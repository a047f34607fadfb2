"""'Did you mean …?': a suggestion only for a near miss, never the least bad of unrelated words.

Every edge (HTTP validation, the query language, the CLI, the Compose review) asks here, so one threshold
decides what counts as a typo.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

# difflib's ratio is 2 x (matching characters) / (total characters). 0.65 accepts a slip or two in a word
# ("swram" for "swarm", "crosshost" for "cross_host", even one wrong letter in three: "awz" for "aws",
# 0.67) and refuses words that share only scattered letters with a candidate, which difflib's default of
# 0.6 lets through ("kubernetes" for "subnet" and "overlya" for "discovery", both 0.625).
SIMILARITY_CUTOFF = 0.65


def closest(word: str, candidates: Iterable[str], cutoff: float = SIMILARITY_CUTOFF) -> str | None:
    """The candidate most like `word`, or None when none is similar enough to be what was meant."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=cutoff)
    return matches[0] if matches else None
