"""The task prompt the runner sends: what to do, where to write (exclusions in words), how it is checked."""

from __future__ import annotations

from rallyc.plan import TaskPlan
from rallyc.compile.documents import task_prompt


def test_the_prompt_says_where_to_write_with_exclusions_in_words_and_how_it_is_checked() -> None:
    task = TaskPlan("split", "core", "Split the module.", ("src/**", "!src/core.py"), True, (), (), (), 600.0, 1200.0,
                    600.0, 0.0, 600.0, 150_000, 1.0, "low", (), (), ("pytest -q",), "prompts/core.md")  # fmt: skip
    text = task_prompt(task, 2, "check `pytest -q` exited 1")
    assert "- Writes: `src/**`, except `src/core.py`" in text
    assert "the runner runs: `pytest -q`; each must exit 0" in text
    assert "Write only inside your worktree" in text and "stopped when you stop" in text
    assert "This is attempt 2. The previous attempt failed: check `pytest -q` exited 1." in text
