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
from dataclasses import dataclass
from itertools import count, product
from string import ascii_lowercase

from rallyc.documents import handoff as handoff_document
from rallyc.globparse import EXCLUDE
from rallyc.models import runtime_model
from rallyc.plan import Plan, TeammatePlan
from rallyc.render import render
from rallyc.targets import Output
from rallyc.targets.hooks import claude_agent_hooks, claude_team_hooks, guarded_output

CLAUDE_AGENT_FOLDER = ".claude/agents"
CLAUDE_SETTINGS = ".claude/settings.json"


def prompt_files(plan: Plan, marker: str, target: str, agents: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(files, bodies): teammates/*.md, lead.md and handoff.md; bodies are the prompts without the marker."""
    data = {"plan": plan, "agents": agents}
    bodies = {mate.name: render(f"{target}/teammate.md.j2", mate=mate, in_flux=in_flux(plan, mate), **data)
              for mate in plan.teammates}  # fmt: skip
    handoff = handoff_document(plan)
    files = {plan.teammate(name).prompt: with_marker_comment(body, marker) for name, body in bodies.items()}
    files["handoff.md"] = with_marker_comment(handoff, marker)
    files["lead.md"] = with_marker_comment(render(f"{target}/lead.md.j2", handoff=handoff, **data), marker)
    return files, bodies


def in_flux(plan: Plan, mate: TeammatePlan) -> list[tuple[str, str, str]]:
    """(glob, task id, teammate) for what other teammates' tasks write before a task of `mate` may start:
    the files a teammate may read only once those tasks are done."""
    found: dict[str, tuple[str, str, str]] = {}
    for task in mate.tasks:
        for before in map(plan.task, task.waits_on):
            for glob in before.writes:
                if not glob.startswith(EXCLUDE):  # the plain glob is enough to say "wait before reading"
                    found.setdefault(glob, (glob, before.id, before.teammate))
    return list(found.values())


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


READ_ONLY_TOOLS = ("Read", "Grep", "Glob", "Bash")
"""A teammate that owns nothing gets no file-writing tool: a `tools` allow-list is the one restriction an agent file
carries into an agent team too (code.claude.com/docs/en/agent-teams, "Use subagent definitions for teammates").
Bash stays, for checks and `git diff`: the guard does not see what a shell writes."""


@dataclass(frozen=True, slots=True)
class ClaudeFlavour:
    """How the two Claude targets differ: the mode an agent file carries, and where the guard's hooks go."""

    permission_mode: Callable[[TeammatePlan], str | None]
    hooks_in_agents: bool
    """Each agent file carries its own hooks (subagents); else `.claude/settings.json` holds the team's."""


def claude_agent_files(plan: Plan, marker: str, bodies: Mapping[str, str], agents: Mapping[str, str],
                       flavour: ClaudeFlavour) -> dict[str, str]:  # fmt: skip
    """One `.claude/agents/<team>-<teammate>.md` per teammate: documented front matter keys only."""
    files = {}
    names = qualified_names(plan)
    for mate in plan.teammates:
        path = f"{CLAUDE_AGENT_FOLDER}/{names[mate.name]}.md"
        files[path] = render("common/claude-agent.md.j2", marker=marker, agent=agents[mate.name],
                             description=description(plan, mate), model=runtime_model(mate.model, plan.runtime),
                             permission_mode=flavour.permission_mode(mate),
                             tools=() if mate.owns else READ_ONLY_TOOLS,
                             hooks=claude_agent_hooks(plan, mate, marker) if flavour.hooks_in_agents else None,
                             body=bodies[mate.name])  # fmt: skip
    return files


def emit_claude(plan: Plan, marker: str, target: str, flavour: ClaudeFlavour) -> Output:
    """Prompts, one `.claude/agents/` file per teammate, the guard's plan and, for a team, its settings hooks."""
    agents = claude_agent_names(plan)
    files, bodies = prompt_files(plan, marker, target, agents)
    runtime = claude_agent_files(plan, marker, bodies, agents, flavour)
    merged = {} if flavour.hooks_in_agents else {CLAUDE_SETTINGS: tuple(claude_team_hooks(plan, marker))}
    return guarded_output(plan, marker, ".claude", agents, files, runtime, merged)
