"""The finding for a glob question that needs more automaton steps than the budget allows.

Such a question has no answer, and lint says so rather than hang (RY004, at the glob): the
ownership rules ask their questions through the glob algebra, which raises `TooComplex` past
`STEP_BUDGET` steps, and report it with `too_complex`.
"""

from __future__ import annotations

from rallyc.automata import STEP_BUDGET
from rallyc.diagnostics import Finding, Related
from rallyc.globs import complexity
from rallyc.ir import Pattern


def too_complex(one: Pattern, other: Pattern, question: str) -> Finding:
    """RY004 at the bigger of the two globs (the one with more automaton states), the other related."""
    at, beside = (one, other) if complexity(one.glob) >= complexity(other.glob) else (other, one)
    return Finding(
        at.span,
        f"{at.glob.shown} is too complex to check against {beside.glob.shown}: deciding {question} "
        f"needs more than {STEP_BUDGET:,} automaton steps",
        "simplify the glob: fewer `?` or `*` in a row, fewer exclusions, or several plainer globs",
        (Related(beside.span, f"compared with {beside.text}"),),
        code="RY004",
    )
