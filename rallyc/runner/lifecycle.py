"""One attempt at one task: merge what it waits on, prompt, backend, enforcement, verify, commit.

The git steps run in a worker thread and are never cut short; only the
backend and the `verify` commands can be interrupted (Ctrl-C), after which
the worktree is reset to the task's start. Every way an attempt ends leaves
the teammate's worktree clean, on its branch: at the new commit when the task
is done, at the task's start otherwise.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from rallyc.errors import RallyError
from rallyc.plan import TaskPlan
from rallyc.runner.backends import TaskRequest, TaskResult
from rallyc.runner.enforce import Breach, GitGuard, ownership_breaches
from rallyc.runner.process import kill_processes_below, run_shell
from rallyc.runner.prompt import full_prompt, task_prompt
from rallyc.runner.session import Confinement, Session
from rallyc.runner.state import RUNNING, Check, Conflict, TaskState, Violation, line_ended, now_text

T = TypeVar("T")
BACKEND_GRACE_SECONDS = 30.0
"""How long past the task's timeout a backend that does not stop by itself is given before it is killed."""
SUBJECT_LENGTH = 72


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str
    """done | failed | interrupted"""
    reason: str = ""
    retry: bool = True
    """Whether another attempt could help (not for a merge conflict)."""
    commit: str | None = None
    files: tuple[str, ...] = ()


@dataclass
class Checked:
    files: list[str]
    breaches: list[Breach] = field(default_factory=list)
    patch: str | None = None
    tree: str | None = None
    commit: str | None = None


class TaskRunner:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.inflight: dict[str, asyncio.Future[object]] = {}
        self.guard = GitGuard(session.common_dir)
        self.clean: set[str] = {mate.name for mate in session.plan.teammates}
        """Teammates whose worktree is known clean, on its branch: every attempt leaves it so, and a run
        starts from new or freshly reset worktrees. Saves two git processes per task."""

    def interrupt(self) -> None:
        """Cancel every backend and check in flight (their process groups die with them)."""
        for job in list(self.inflight.values()):
            job.cancel()

    async def attempt(self, task: TaskPlan, previous: str) -> Outcome:
        s = self.session
        record = s.state.tasks[task.id]
        number = record.attempts + 1
        started = time.monotonic()
        try:
            if task.teammate in self.clean and not task.waits_on:  # nothing to do but read the branch head
                self.clean.discard(task.teammate)
                start: str | Conflict = self.session.head(task.teammate)
            else:
                start = await asyncio.to_thread(self._prepare, task)
            if isinstance(start, Conflict):
                s.state.conflicts.append(start)
                why = f"merge conflict bringing in what it waits on: {', '.join(start.paths)}"
                return Outcome("failed", why, retry=False)
            record.status, record.start_commit = RUNNING, start
            s.save()
            s.emit("task_started", task=task.id, teammate=task.teammate, attempt=number)
            if s.is_interrupted():
                return await self._interrupted(task, start)
            return await self._run(task, record, number, start, previous)
        except (RallyError, OSError) as error:  # git refused (an unreadable file, a full disk): this task fails
            await asyncio.to_thread(self._recover_worktree, task)
            return Outcome("failed", f"the runner could not finish the attempt: {error}", retry=False)
        finally:
            record.duration_s = round(record.duration_s + time.monotonic() - started, 3)

    def _recover_worktree(self, task: TaskPlan) -> None:
        """Back to the branch head, clean, as far as git lets us; the next task tries again if not."""
        s = self.session
        self.clean.discard(task.teammate)
        try:  # the branch head, not the task's start: whatever is committed there stays
            s.git.reset_to(s.worktree(task.teammate), s.branch(task.teammate), self.session.head(task.teammate))
            self.clean.add(task.teammate)
        except (RallyError, OSError):
            pass

    # ---- the steps --------------------------------------------------------------------

    def _prepare(self, task: TaskPlan) -> str | Conflict:
        """A clean worktree with the commits of the other teammates' tasks this one waits on merged in."""
        s = self.session
        worktree = s.worktree(task.teammate)
        if task.teammate not in self.clean:
            s.git.clean_worktree(worktree)
        self.clean.discard(task.teammate)
        for source in task.waits_on:
            commit = s.state.tasks[source].commit
            assert commit, f"{task.id} started before {source} was done"
            message = f"rally: bring {source} into {task.teammate} for {task.id}\n\nRally-Run: {s.run_id}\n"
            conflict = s.git.merge(worktree, commit, message)
            if conflict is not None:
                self.clean.add(task.teammate)  # the merge was aborted and the worktree cleaned
                return Conflict("task", task.id, conflict)
        return self.session.head(task.teammate)

    def _reset(self, task: TaskPlan, start: str) -> None:
        s = self.session
        s.git.reset_to(s.worktree(task.teammate), s.branch(task.teammate), start)
        self.clean.add(task.teammate)

    async def _run(self, task: TaskPlan, record: TaskState, number: int, start: str, previous: str) -> Outcome:
        with self.session.confinement(task.teammate, f"{task.id}.{number}") as room:
            return await self._confined(task, record, number, start, previous, room)

    async def _confined(self, task: TaskPlan, record: TaskState, number: int, start: str, previous: str,
                        room: Confinement) -> Outcome:  # fmt: skip
        s = self.session
        self.guard.watch(s.worktree(task.teammate))
        request = self._request(task, number, previous, room)
        s.store.append(f"logs/{task.id}.log", f"== attempt {number} of {task.id} ({s.backend.name}), {now_text()}\n")
        result = await self._cancellable(task.id, self._backend(request))
        if result is None:
            return await self._interrupted(task, start)
        self._account(task, record, result)
        output = "" if result.log_streamed else result.log
        s.store.append(f"logs/{task.id}.log", line_ended(output) + f"== backend: {'ok' if result.ok else 'failed'}"
                       f"{', timed out' if result.timed_out else ''}: {result.summary}\n")  # fmt: skip
        checked = await asyncio.to_thread(self._check_and_commit, task, start, number, result)
        if checked.breaches:
            return self._violation(task, number, checked)
        if not result.ok:
            return Outcome("failed", _failure(result, task.timeout_seconds), files=tuple(checked.files))
        if checked.commit is None:
            failed = await self._verify(task, number, start, room)
            if failed is not None:
                return failed
            checked.commit = await asyncio.to_thread(self._commit, task, start, checked.tree, result.summary)
        return Outcome("done", commit=checked.commit, files=tuple(checked.files))

    def _check_and_commit(self, task: TaskPlan, start: str, number: int, result: TaskResult) -> Checked:
        """The checks, and for a task without `verify` commands the commit too, in one trip to a thread."""
        checked = self._check(task, start, number, result.ok)
        if result.ok and not checked.breaches and not task.verify:
            checked.commit = self._commit(task, start, None, result.summary)
        return checked

    def _request(self, task: TaskPlan, number: int, previous: str, room: Confinement) -> TaskRequest:
        s = self.session
        mate = s.plan.teammate(task.teammate)
        system = s.redactor.text(s.prompts[task.teammate])
        text = s.redactor.text(task_prompt(task, number, previous))
        name = f"prompts/{task.id}.md" if number == 1 else f"prompts/{task.id}.{number}.md"
        path = s.store.write_plain(name, full_prompt(system, text))
        env = {**room.env, "RALLY_RUN_ID": s.run_id, "RALLY_TASK": task.id, "RALLY_TEAMMATE": task.teammate,
               "RALLY_ATTEMPT": str(number), "RALLY_PROMPT_FILE": str(path),
               "RALLY_WORKTREE": str(s.workdir(task.teammate))}  # fmt: skip
        return TaskRequest(s.run_id, task.id, task.teammate, text, path, s.workdir(task.teammate), mate.priced_as,
                           mate.mode, task.timeout_seconds, env, mate.owns, s.plan.run.shell, system,
                           s.folder.path / "logs" / f"{task.id}.log", s.unit_price(task.teammate),
                           room.sandbox)  # fmt: skip

    async def _backend(self, request: TaskRequest) -> TaskResult:
        """The backend's result; its own bugs and missing pieces become a failed attempt, never a traceback."""
        try:
            deadline = request.timeout_seconds + BACKEND_GRACE_SECONDS
            return await asyncio.wait_for(self.session.backend.run(request), deadline)
        except TimeoutError:
            await asyncio.to_thread(kill_processes_below, request.worktree)
            return TaskResult(False, f"the backend did not stop at the timeout ({request.timeout_seconds:g}s); killed",
                              timed_out=True)  # fmt: skip
        except RallyError as error:
            return TaskResult(False, f"backend error: {error}")
        except (OSError, ValueError, RuntimeError) as error:
            return TaskResult(False, f"backend error: {type(error).__name__}: {error}")

    def _account(self, task: TaskPlan, record: TaskState, result: TaskResult) -> None:
        """Spent is spent: recorded before anything else can fail (the budget counts every attempt)."""
        s = self.session
        usage = result.usage
        cost = usage.cost_usd
        if cost is None:  # tokens only: priced at the teammate's model's price
            cost = s.price(task.teammate, usage.input_tokens, usage.output_tokens)
        record.input_tokens += usage.input_tokens
        record.output_tokens += usage.output_tokens
        record.cost_usd = round(record.cost_usd + cost, 6)
        record.escalations += 1 if result.timed_out else 0
        record.summary = _subject(s.redactor.text(result.summary)) if result.ok else record.summary
        if usage.tokens or cost:  # nothing spent, nothing a crash could lose: the next save records the rest
            s.save()

    def _check(self, task: TaskPlan, start: str, number: int, ok: bool) -> Checked:
        """Stage the task's changes and check them; a breach or a failed backend resets the worktree."""
        s = self.session
        worktree, branch = s.worktree(task.teammate), s.branch(task.teammate)
        breaches = self.guard.breaches(worktree, s.folder.path / "violations" / f"{task.id}.{number}")
        if not _on_branch(worktree, branch):
            breaches.append(Breach(".git/HEAD", "the task left its branch"))
            s.git.run(worktree, "checkout", "-q", "-f", branch)
        changes = s.staging.stage_and_list(worktree, start, self.session.head(task.teammate))
        files = [s.relative(path) for _, path in changes]
        breaches += ownership_breaches(changes, s.owns[task.teammate], s.state.prefix, worktree)
        if breaches or not ok:
            patch = None
            if changes:
                folder = "violations" if breaches else "patches"
                patch = f"{folder}/{task.id}.{number}.patch"
                s.store.write_bytes(patch, s.git.staged_patch(worktree, start))
            self._reset(task, start)
            return Checked(files, breaches, patch)
        # with checks to run, the tree is fixed now: a check that touches the index cannot change the commit
        return Checked(files, tree=s.git.write_tree(worktree) if task.verify else None)

    def _violation(self, task: TaskPlan, number: int, checked: Checked) -> Outcome:
        s = self.session
        paths = [breach.path for breach in checked.breaches]
        patch = checked.patch or "(no file changes: git's own files were restored)"
        s.state.violations.append(Violation(task.id, number, paths, [str(b) for b in checked.breaches], patch))
        s.emit("violation", task=task.id, attempt=number, paths=paths, patch=patch)
        shown = ", ".join(str(breach) for breach in checked.breaches[:5])
        more = f" and {len(checked.breaches) - 5} more" if len(checked.breaches) > 5 else ""
        return Outcome("failed", f"ownership violation: {shown}{more}; changes saved in {patch}", files=tuple(checked.files))

    async def _verify(self, task: TaskPlan, number: int, start: str, room: Confinement) -> Outcome | None:
        """Run the task's checks in the worktree, in the attempt's sandbox; the first that fails ends the attempt."""
        s = self.session
        for command in task.verify:
            done = await self._cancellable(task.id, run_shell(command, cwd=s.workdir(task.teammate), env=room.env,
                                                              timeout=task.timeout_seconds, redactor=s.redactor,
                                                              sandbox=room.sandbox))  # fmt: skip
            if done is None:
                return await self._interrupted(task, start)
            code = -1 if done.timed_out else done.exit_code
            s.state.checks.append(Check(command, task.id, code, number, round(done.seconds, 3)))
            s.store.append(f"logs/{task.id}.log", f"$ {command}\n{line_ended(done.stdout)}== exit {code}\n")
            s.emit("check", scope=task.id, command=command, exit_code=code)
            if code != 0:
                await asyncio.to_thread(self._reset, task, start)
                what = "timed out" if done.timed_out else f"exited {code}"
                return Outcome("failed", f"check `{command}` {what}")
        return None

    def _commit(self, task: TaskPlan, start: str, tree: str | None, summary: str) -> str:
        """The task's commit on its teammate's branch: the index as staged, or `tree` (fixed before the checks)."""
        s = self.session
        worktree = s.worktree(task.teammate)
        subject = _subject(s.redactor.text(summary)) or _subject(task.do)
        message = f"rally({task.id}): {subject}\n\nRally-Run: {s.run_id}\nRally-Task: {task.id}\n"
        if tree is None:  # nothing ran since staging: the worktree is the commit, clean as it stands
            s.staging.commit_index(worktree, message)
            self.clean.add(task.teammate)
            return self.session.head(task.teammate)
        commit = s.git.commit_tree(worktree, tree, [start], message)
        s.git.move_branch(worktree, s.branch(task.teammate), commit, start)
        s.git.clean_worktree(worktree)  # what the checks left behind
        self.clean.add(task.teammate)
        return commit

    async def _interrupted(self, task: TaskPlan, start: str) -> Outcome:
        s = self.session
        await asyncio.to_thread(kill_processes_below, s.worktree(task.teammate), 1.0)
        await asyncio.to_thread(self._reset, task, start)
        return Outcome("interrupted", "interrupted")

    async def _cancellable(self, key: str, work: Awaitable[T]) -> T | None:
        """`work`'s result, or None when an interrupt cancelled it."""
        job = asyncio.ensure_future(work)
        self.inflight[key] = job  # type: ignore[assignment]
        try:
            return await job
        except asyncio.CancelledError:
            if self.session.is_interrupted() and job.cancelled():
                return None
            raise
        finally:
            self.inflight.pop(key, None)


def _on_branch(worktree: Path, branch: str) -> bool:
    """Whether the worktree's HEAD is still `branch` (read from its git folder: no process)."""
    gitfile = worktree / ".git"
    try:
        pointer = gitfile.read_text(encoding="utf-8").strip()
        head = Path(pointer.removeprefix("gitdir:").strip()) / "HEAD"
        return head.read_text(encoding="utf-8").strip() == f"ref: refs/heads/{branch}"
    except OSError:
        return False


def _failure(result: TaskResult, timeout: float) -> str:
    if result.timed_out:
        return f"timed out after {timeout:g}s (escalation): {result.summary}" if result.summary else \
            f"timed out after {timeout:g}s (escalation)"  # fmt: skip
    return f"backend failed: {result.summary}" if result.summary else "backend failed"


def _subject(text: str) -> str:
    line = next((line.strip() for line in text.strip().splitlines() if line.strip()), "")
    return line if len(line) <= SUBJECT_LENGTH else line[: SUBJECT_LENGTH - 3].rstrip() + "..."
