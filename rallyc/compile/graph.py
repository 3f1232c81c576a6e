"""The task graph as text: a Mermaid flowchart (graph.mmd, `rallyc graph`) or Graphviz DOT.

One subgraph (cluster) per teammate holding its tasks in order. A solid edge
is an `after` written in the spec; a dotted edge is the implicit order of one
teammate's tasks, so a reader sees which waits were asked for and which come
from a teammate doing one thing at a time. Works on a cyclic graph too (the
point of drawing one is often to find the cycle).
"""

from __future__ import annotations

from rallyc.analysis.graph import TaskGraph
from rallyc.ir import Spec, Task
from rallyc.units import format_duration

Edge = tuple[str, str, bool]
"""(source task id, target task id, written as `after`)."""


def edges(graph: TaskGraph) -> list[Edge]:
    """Every edge of the task graph, by target in spec order, then source in spec order."""
    found: list[Edge] = []
    for number, task in enumerate(graph.tasks):
        declared = {target for entry in task.after for target in entry.targets}
        for source in sorted(graph.predecessors[number]):
            source_id = graph.tasks[source].id
            found.append((source_id, task.id, source_id in declared))
    return found


def mermaid(spec: Spec, graph: TaskGraph) -> str:
    lines = ["flowchart LR"]
    for number, teammate in enumerate(spec.teammates):
        lines.append(f'  subgraph m{number}["{_mermaid_text(f"{teammate.name}: {teammate.role.value}")}"]')
        lines.append("    direction TB")
        lines.extend(f'    {_node(task.id)}["{_mermaid_text(_label(task))}"]' for task in teammate.tasks)
        lines.append("  end")
    for source, target, declared in edges(graph):
        lines.append(f"  {_node(source)} {'-->' if declared else '-.->'} {_node(target)}")
    return "\n".join(lines) + "\n"


def dot(spec: Spec, graph: TaskGraph) -> str:
    lines = [f"digraph {_dot_text(spec.team.name)} {{", "  rankdir=LR;", "  node [shape=box];"]
    for teammate in spec.teammates:
        lines.append(f"  subgraph {_dot_text(f'cluster_{teammate.name}')} {{")
        lines.append(f"    label={_dot_text(f'{teammate.name}: {teammate.role.value}')};")
        lines.extend(f"    {_dot_text(task.id)} [label={_dot_text(_label(task))}];" for task in teammate.tasks)
        lines.append("  }")
    for source, target, declared in edges(graph):
        style = "" if declared else " [style=dotted]"
        lines.append(f"  {_dot_text(source)} -> {_dot_text(target)}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _label(task: Task) -> str:
    return f"{task.id} ({format_duration(task.estimate.amount)})" if task.estimate else task.id


def _node(task_id: str) -> str:
    """Task ids are slugs (`[a-z][a-z0-9-]*`, no `_`), so this is one-to-one; `t_` keeps clear of `end`."""
    return "t_" + task_id.replace("-", "_")


def _mermaid_text(text: str) -> str:
    """Inside a quoted Mermaid label: entity codes for what would end the label or read as HTML."""
    text = _one_line(text)
    return text.replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def _dot_text(text: str) -> str:
    escaped = _one_line(text).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _one_line(text: str) -> str:
    """Whitespace runs as one space."""
    return " ".join(text.split())
