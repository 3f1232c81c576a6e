"""What the targets share: the prompts, lead.md, handoff.md, and Claude Code agent files.

Claude Code agent names (the `name` field of `.claude/agents/*.md`) are
documented as lowercase letters and hyphens. Spec slugs may also hold digits,
so a name keeps `[a-z-]` only: every other character becomes `-`, runs of `-`
collapse, and a name that collides with an earlier one gets `-b`, `-c`, ...
(letters, since digits are what we avoid). `order-refunds` + `api-v2`
becomes `order-refunds-api-v`. The file keeps the full `<team>-<teammate>.md`
name, which no documented rule restricts, so it stays easy to find.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from itertools import count, product
from string import ascii_lowercase

from rallyc.compile.render import render
from rallyc.plan import Plan, TeammatePlan
from rallyc.targets import Output

CLAUDE_AGENT_FOLDER = ".claude/agents"


def prompt_files(plan: Plan, marker: str, target: str, agents: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(files, bodies): teammates/*.md, lead.md and handoff.md; bodies are the prompts without the marker."""
    data = {"plan": plan, "agents": agents}
    bodies = {mate.name: render(f"{target}/teammate.md.j2", mate=mate, **data) for mate in plan.teammates}
    handoff = render("common/handoff.md.j2", **data)
    files = {plan.teammate(name).prompt: with_marker_comment(body, marker) for name, body in bodies.items()}
    files["handoff.md"] = with_marker_comment(handoff, marker)
    files["lead.md"] = with_marker_comment(render(f"{target}/lead.md.j2", handoff=handoff, **data), marker)
    return files, bodies


def with_marker_comment(markdown: str, marker: str) -> str:
    """Markdown files carry the marker as an HTML comment at the end, out of the reader's way."""
    return f"{markdown}\n<!-- {marker} -->\n"


def qualified_names(plan: Plan) -> dict[str, str]:
    """`<team>-<teammate>`: file names, and Codex agent names."""
    return {mate.name: f"{plan.team.name}-{mate.name}" for mate in plan.teammates}


def claude_agent_names(plan: Plan) -> dict[str, str]:
    """Teammate -> a unique agent name of lowercase letters and hyphens (see the module docstring)."""
    names: dict[str, str] = {}
    for mate, qualified in qualified_names(plan).items():
        base = re.sub(r"-+", "-", re.sub(r"[^a-z-]", "-", qualified.lower())).strip("-") or "teammate"
        candidate, suffixes = base, _letter_suffixes()
        while candidate in names.values():
            candidate = f"{base}-{next(suffixes)}"
        names[mate] = candidate
    return names


def _letter_suffixes() -> Iterator[str]:
    """b, c, ..., z, aa, ab, ...: never a digit ("a" is skipped: the first of a name is the bare base)."""
    for width in count(1):
        for letters in product(ascii_lowercase, repeat=width):
            if letters != ("a",):
                yield "".join(letters)


def description(plan: Plan, mate: TeammatePlan) -> str:
    """One line saying what the agent is for, so nothing but this team's lead picks it."""
    tasks = ", ".join(task.id for task in mate.tasks)
    return (f"Rally teammate {mate.name} ({' '.join(mate.role.split())}) of team {plan.team.name}; "
            f"tasks: {tasks}. Use only when the {plan.team.name} lead assigns one of these tasks.")  # fmt: skip


def claude_agent_files(
    plan: Plan, marker: str, bodies: Mapping[str, str], agents: Mapping[str, str], permission_mode: Callable[[TeammatePlan], str]
) -> dict[str, str]:
    """One `.claude/agents/<team>-<teammate>.md` per teammate: documented front matter keys only."""
    files = {}
    names = qualified_names(plan)
    for mate in plan.teammates:
        path = f"{CLAUDE_AGENT_FOLDER}/{names[mate.name]}.md"
        files[path] = render("common/claude-agent.md.j2", marker=marker, agent=agents[mate.name], mate=mate,
                             description=description(plan, mate), permission_mode=permission_mode(mate),
                             body=bodies[mate.name])  # fmt: skip
    return files


def emit_claude(plan: Plan, marker: str, target: str, permission_mode: Callable[[TeammatePlan], str]) -> Output:
    """Prompts plus one `.claude/agents/` file per teammate: the two Claude targets differ only in the mode."""
    agents = claude_agent_names(plan)
    files, bodies = prompt_files(plan, marker, target, agents)
    runtime = claude_agent_files(plan, marker, bodies, agents, permission_mode)
    return Output({**files, **runtime}, tuple(sorted(runtime)))
