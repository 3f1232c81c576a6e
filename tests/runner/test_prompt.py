"""The task prompt the runner sends: what to do, where to write (exclusions in words), how it is checked."""

from __future__ import annotations

from rallyc.documents import task_prompt
from rallyc.plan import TaskPlan


def test_the_prompt_says_where_to_write_with_exclusions_in_words_and_how_it_is_checked() -> None:
    task = TaskPlan("split", "core", "Split the module.", ("src/**", "!src/core.py"), True, (), (), (), 600.0, 1200.0,
                    600.0, 0.0, 600.0, 150_000, 1.0, "low", (), (), ("pytest -q",), "prompts/core.md")  # fmt: skip
    text = task_prompt(task, 2, "check `pytest -q` exited 1")
    assert "- Writes: `src/**`, except `src/core.py`" in text
    assert "the runner runs: `pytest -q`; each must exit 0" in text
    assert "Write only inside your worktree" in text and "stopped when you stop" in text
    assert "This is attempt 2. The previous attempt failed: check `pytest -q` exited 1." in text


def test_the_task_text_is_data_its_headings_stay_below_the_prompts_own() -> None:
    """The same `prose` filter as the compiled prompts: a `#` in `do` cannot open a section of the prompt."""
    task = TaskPlan("split", "core", "# Plan\n\nSplit `{{ it }}`.", ("src/**",), True, (), (), ("a`b",), 600.0,
                    1200.0, 600.0, 0.0, 600.0, 150_000, 1.0, "low", (), (), (), "prompts/core.md")  # fmt: skip
    text = task_prompt(task, 1, "")
    assert "\n### Plan\n\nSplit `{{ it }}`.\n" in text and "results of ``a`b``." in text
    assert "This is attempt" not in text and "the runner runs" not in text
