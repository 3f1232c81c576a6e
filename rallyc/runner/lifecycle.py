"""One attempt at one task: prepare the worktree, prompt, backend, enforcement, verify, commit.

The git steps run in a worker thread and are never cut short; only the
backend and the `verify` commands can be interrupted (Ctrl-C). Every way an
attempt ends leaves the teammate's worktree clean, on its branch: at the new
commit when the task is done, at the task's start otherwise, with whatever
the attempt changed kept as a patch in the run folder (`patches/` for a
failure, `violations/` for a breach): no work an agent did is lost.

Before the backend starts, the worktree must be exactly its branch: changes
found there (another task's agent writing by absolute path, a process the
sandbox did not hold) are strays, saved and reported, never committed under
this task. After it, the checks of `enforce.py` run on what changed, the
run's refs are compared with what the runner set them to (`refs.py`), and
without a sandbox the user's refs and checkout are compared with what they
were (a possible violation, reported, not reverted).

A done task's commit is written first, recorded in the run's commits log,
and only then is the branch moved to it: a crash between the two loses
nothing, and a resumed run counts as done only the commits the runner
recorded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from rallyc.documents import full_prompt, task_prompt
from rallyc.errors import RallyError
from rallyc.plan import TaskPlan
from rallyc.runner.agent_report import parse_report
from rallyc.runner.backends import TaskRequest, TaskResult
from rallyc.runner.convergence import signature
from rallyc.runner.enforce import Breach, GitGuard, ownership_breaches
from rallyc.runner.names import printable, shown
from rallyc.runner.process import kill_processes_below, run_shell
from rallyc.runner.session import Confinement, Session
from rallyc.runner.setup import set_up
from rallyc.runner.state import Check, Conflict, Stray, TaskState, Violation, line_ended, now_text
from rallyc.runner.watch import Watch
from rallyc.statuses import AgentStatus, AttemptStatus, TaskStatus

T = TypeVar("T")
BACKEND_GRACE_SECONDS = 30.0
"""How long past the task's timeout a backend that does not stop by itself is given before it is killed."""
SUBJECT_LENGTH = 72


class WorktreeGone(RallyError):
    """The teammate's worktree was removed while its task ran: not the agent's violation, nothing to check."""


@dataclass(frozen=True, slots=True)
class Outcome:
    status: AttemptStatus
    reason: str = ""
    retry: bool = True
    """Whether another attempt could help (not for a merge conflict)."""
    commit: str | None = None
    files: tuple[str, ...] = ()
    signature: str | None = None
    """For a failed check: its command and first error line, normalised (`convergence.py`)."""
    setup: bool = False
    """The worktree's set-up failed: every task of the teammate fails with it."""


@dataclass
class Checked:
    files: list[str]
    """Shown (`names.shown`): for the report."""
    breaches: list[Breach] = field(default_factory=list)
    patch: str | None = None
    tree: str | None = None
    commit: str | None = None


class TaskRunner:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.inflight: dict[str, asyncio.Future[object]] = {}
        self.guard = GitGuard(session.common_dir)
        self.watch = Watch(session)

    def interrupt(self) -> None:
        """Cancel every backend and check in flight (their supervisors end their process trees)."""
        for job in list(self.inflight.values()):
            job.cancel()

    async def attempt(self, task: TaskPlan, previous: str) -> Outcome:
        s = self.session
        record = s.state.tasks[task.id]
        number = record.attempts + 1
        started = time.monotonic()
        try:
            problem = await self._set_up(task.teammate)
            if problem is not None:
                return Outcome(AttemptStatus.FAILED, f"setup: {problem}", retry=False, setup=True)
            # merges run git: in a thread; otherwise preparing is a few file reads and an in-process status
            start = await asyncio.to_thread(self._prepare, task) if task.waits_on else self._prepare(task)
            if isinstance(start, Conflict):
                s.state.conflicts.append(start)
                why = f"merge conflict bringing in what it waits on: {', '.join(start.paths)}"
                return Outcome(AttemptStatus.FAILED, why, retry=False)
            record.status, record.start_commit, record.commit = TaskStatus.RUNNING, start, None
            s.save()
            s.emit("task_started", task=task.id, teammate=task.teammate, attempt=number)
            if s.is_interrupted():
                return await self._interrupted(task, start, number)
            return await self._run(task, record, number, start, previous)
        except WorktreeGone as gone:
            await asyncio.to_thread(self._recover_worktree, task)
            return Outcome(AttemptStatus.FAILED, str(gone))
        except (RallyError, OSError) as error:  # git refused (an unreadable file, a full disk): this task fails
            await asyncio.to_thread(self._recover_worktree, task)
            return Outcome(AttemptStatus.FAILED, f"the runner could not finish the attempt: {error}", retry=False)
        finally:
            record.duration_s = round(record.duration_s + time.monotonic() - started, 3)

    def _recover_worktree(self, task: TaskPlan) -> None:
        """Back to the branch's recorded head, clean, as far as git lets us; the next task tries again if not."""
        try:
            self._recover_worktree_of(task.teammate)
        except (RallyError, OSError):
            pass

    # ---- before the backend -------------------------------------------------------------

    async def _set_up(self, mate: str) -> str | None:
        """`run.setup` in the teammate's worktree before its first task of this session; what failed, or None."""
        s = self.session
        if not s.plan.run.setup or mate in s.set_up:
            return None
        s.set_up.add(mate)  # once, failed or not: a failed set-up fails the teammate's tasks
        await asyncio.to_thread(self._recover_worktree_of, mate)
        checks = [command for task in s.plan.teammate(mate).tasks for command in task.verify]
        return await set_up(s, mate, checks)

    def _recover_worktree_of(self, mate: str) -> None:
        s = self.session
        s.ensure_worktree(mate)
        with s.refs_lock:
            s.reset(mate, s.expected_head(mate))

    def _prepare(self, task: TaskPlan) -> str | Conflict:
        """The worktree at its branch's recorded head, strays set aside, with the commits of the other teammates'
        tasks this one waits on merged in."""
        s = self.session
        mate = task.teammate
        worktree = s.worktree(mate)
        s.ensure_worktree(mate)
        with s.refs_lock:
            head = s.expected_head(mate)
            if not _on_branch(worktree, s.branch(mate)) or s.head(mate) != head:
                s.reset(mate, head)
        self._set_strays_aside(task)
        for source in task.waits_on:
            commit = s.state.tasks[source].commit
            assert commit, f"{task.id} started before {source} was done"
            message = f"rally: bring {source} into {mate} for {task.id}\n\nRally-Run: {s.run_id}\n"
            with s.refs_lock:
                conflict = s.git.merge(worktree, commit, message)
                s.set_head(mate, s.git.head(worktree))
            if conflict is not None:
                return Conflict("task", task.id, conflict)
        return s.expected_head(mate)

    def _set_strays_aside(self, task: TaskPlan) -> None:
        """Changes in the worktree before its task starts are not the task's: saved, reported, removed."""
        s = self.session
        worktree = s.worktree(task.teammate)
        kept = s.kept.get(task.teammate, ())
        paths = [path for path in s.staging.dirty_paths(worktree) if not _under(path, kept)]
        if not paths:
            return
        s.git.stage_and_list(worktree, "HEAD", None, kept)
        patch = f"strays/{task.teammate}.{task.id}.{len(s.state.strays) + 1}.patch"
        s.store.write_bytes(patch, s.git.staged_patch(worktree, "HEAD"))
        s.git.clean_worktree(worktree, kept)
        shown_paths = sorted(shown(s.relative(path)) for path in paths)
        s.state.strays.append(Stray(task.teammate, task.id, shown_paths, patch))
        s.emit("strays", teammate=task.teammate, task=task.id, paths=shown_paths, patch=patch)

    # ---- the attempt --------------------------------------------------------------------

    async def _run(self, task: TaskPlan, record: TaskState, number: int, start: str, previous: str) -> Outcome:
        with self.session.confinement(task.teammate, f"{task.id}.{number}") as room:
            self.watch.started(task.id)
            try:
                return await self._confined(task, record, number, start, previous, room)
            finally:
                self.watch.ended(task.id)

    async def _confined(self, task: TaskPlan, record: TaskState, number: int, start: str, previous: str,
                        room: Confinement) -> Outcome:  # fmt: skip
        s = self.session
        self.guard.watch(s.worktree(task.teammate))
        request = self._request(task, number, previous, room)
        s.store.append(f"logs/{task.id}.log", f"== attempt {number} of {task.id} ({s.backend.name}), {now_text()}\n")
        result = await self._cancellable(task.id, self._backend(request))
        if result is None:
            return await self._interrupted(task, start, number)
        self._account(task, record, result)
        result, blocked = _as_reported(result, record)
        output = "" if result.log_streamed else result.log
        s.store.append(f"logs/{task.id}.log", line_ended(output) + f"== backend: {'ok' if result.ok else 'failed'}"
                       f"{', timed out' if result.timed_out else ''}: {result.summary}\n")  # fmt: skip
        checked = await asyncio.to_thread(self._check_then_commit, task, start, number, result)
        if checked.breaches:
            return self._violation(task, number, checked)
        if not result.ok:
            return Outcome(AttemptStatus.FAILED, _failure(result, task.timeout_seconds) + _kept(checked.patch),
                           retry=not blocked, files=tuple(checked.files))  # fmt: skip
        commit = checked.commit
        if commit is None:
            failed = await self._verify(task, number, start, room, checked.tree)
            if failed is not None:
                return failed
            commit = await asyncio.to_thread(self._commit, task, start, checked.tree, result.summary)
        record.commit = commit
        return Outcome(AttemptStatus.DONE, commit=commit, files=tuple(checked.files))

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

    def _check_then_commit(self, task: TaskPlan, start: str, number: int, result: TaskResult) -> Checked:
        """The checks, and for a clean task without `verify` commands its commit too: one trip to a thread."""
        checked = self._check(task, start, number, result.ok)
        if result.ok and not checked.breaches and not task.verify:
            checked.commit = self._commit(task, start, None, result.summary)
        return checked

    def _check(self, task: TaskPlan, start: str, number: int, ok: bool) -> Checked:
        """Stage the task's changes and check them with everything around them; a breach or a failed backend keeps
        the changes as a patch and resets the worktree."""
        s = self.session
        worktree, branch = s.worktree(task.teammate), s.branch(task.teammate)
        if not (worktree / ".git").exists():
            raise WorktreeGone(f"the worktree {worktree} was removed while the task ran (not by rallyc); "
                               "nothing of the attempt could be checked")  # fmt: skip
        breaches = self.guard.breaches(worktree, s.folder.path / "violations" / f"{task.id}.{number}")
        with s.refs_lock:
            breaches += self.watch.run_refs(task.teammate, start)
        self.watch.outside(task.id)
        if not _on_branch(worktree, branch):
            breaches.append(Breach(".git/HEAD", "the task left its branch"))
            s.git.run(worktree, "checkout", "-q", "-f", branch)
        changes = s.staging.stage_and_list(worktree, start, s.head(task.teammate), s.kept.get(task.teammate, ()))
        files = [shown(s.relative(path)) for _, path in changes]
        breaches += ownership_breaches(changes, s.owns[task.teammate], s.state.prefix, worktree,
                                       s.plan.run.max_file_mib * (1 << 20))  # fmt: skip
        if breaches or not ok:
            patch = self._keep(task, number, start, "violations" if breaches else "patches", breaches) if changes else None
            self._reset(task, start)
            return Checked(files, breaches, patch)
        # with checks to run, the tree is fixed now: a check that touches the index cannot change the commit
        return Checked(files, tree=s.git.write_tree(worktree) if task.verify else None)

    def _keep(self, task: TaskPlan, number: int, start: str, folder: str, breaches: list[Breach]) -> str:
        """The attempt's staged changes (binary and new files included) saved as a patch; a file over
        `run.max_file_mib` is named with its size, not copied."""
        s = self.session
        oversized = [s.state.prefix + breach.path for breach in breaches if breach.oversized]
        note = "".join(f"# rallyc: left out of this patch: {breach}\n" for breach in breaches if breach.oversized)
        name = f"{folder}/{task.id}.{number}.patch"
        s.store.write_bytes(name, note.encode() + s.git.staged_patch(s.worktree(task.teammate), start, oversized))
        s.state.tasks[task.id].patches.append(name)
        return name

    def _violation(self, task: TaskPlan, number: int, checked: Checked) -> Outcome:
        s = self.session
        paths = [shown(breach.path) for breach in checked.breaches]
        patch = checked.patch or "(no file changes: git's own files were restored)"
        s.state.violations.append(Violation(task.id, number, paths, [str(b) for b in checked.breaches], patch))
        s.emit("violation", task=task.id, attempt=number, paths=paths, patch=patch)
        shown_breaches = ", ".join(str(breach) for breach in checked.breaches[:5])
        more = f" and {len(checked.breaches) - 5} more" if len(checked.breaches) > 5 else ""
        return Outcome(AttemptStatus.FAILED, f"ownership violation: {shown_breaches}{more}; changes saved in {patch}",
                       files=tuple(checked.files))  # fmt: skip

    async def _verify(self, task: TaskPlan, number: int, start: str, room: Confinement,
                      tree: str | None) -> Outcome | None:  # fmt: skip
        """Run the task's checks in the worktree, in the attempt's sandbox; the first that fails ends the attempt
        (its changes kept as a patch)."""
        s = self.session
        for command in task.verify:
            done = await self._cancellable(task.id, run_shell(command, cwd=s.workdir(task.teammate), env=room.env,
                                                              timeout=task.timeout_seconds, redactor=s.redactor,
                                                              sandbox=room.sandbox))  # fmt: skip
            if done is None:
                return await self._interrupted(task, start, number, tree)
            code = -1 if done.timed_out else done.exit_code
            s.state.checks.append(Check(command, task.id, code, number, round(done.seconds, 3)))
            s.store.append(f"logs/{task.id}.log", f"$ {command}\n{line_ended(done.stdout)}== exit {code}\n")
            s.emit("check", scope=task.id, command=command, exit_code=code)
            if code != 0:
                patch = await asyncio.to_thread(self._set_aside, task, number, start, tree)
                what = "timed out" if done.timed_out else f"exited {code}"
                return Outcome(AttemptStatus.FAILED, f"check `{command}` {what}" + _kept(patch),
                               signature=signature(command, done.stdout))  # fmt: skip
        return None

    def _set_aside(self, task: TaskPlan, number: int, start: str, tree: str | None) -> str | None:
        """The attempt's changes (the tree fixed before its checks) saved in `patches/`, then the worktree reset."""
        s = self.session
        patch = None
        if tree is not None:
            data = s.git.patch_between(s.worktree(task.teammate), start, tree)
            if data:
                patch = f"patches/{task.id}.{number}.patch"
                s.store.write_bytes(patch, data)
                s.state.tasks[task.id].patches.append(patch)
        self._reset(task, start)
        return patch

    def _commit(self, task: TaskPlan, start: str, tree: str | None, summary: str) -> str:
        """The task's commit (the index as staged, or `tree` fixed before the checks): written, recorded in the
        run's commits log, and only then its branch moved to it; the worktree clean on it."""
        s = self.session
        worktree = s.worktree(task.teammate)
        subject = _subject(s.redactor.text(summary)) or _subject(task.do)
        message = f"rally({task.id}): {subject}\n\nRally-Run: {s.run_id}\nRally-Task: {task.id}\n"
        commit = s.staging.commit_object(worktree, start, tree, message)
        s.store.record_commit(task.id, commit)
        with s.refs_lock:
            s.staging.move_branch(worktree, s.branch(task.teammate), commit, start)
            s.set_head(task.teammate, commit)
        if tree is not None:  # what the checks left behind (the index already holds the commit's tree otherwise)
            s.git.clean_worktree(worktree, s.kept.get(task.teammate, ()))
        return commit

    def _reset(self, task: TaskPlan, start: str) -> None:
        s = self.session
        with s.refs_lock:
            s.reset(task.teammate, start)

    async def _interrupted(self, task: TaskPlan, start: str, number: int, tree: str | None = None) -> Outcome:
        """Ctrl-C: whatever the attempt changed is kept as a patch, then the worktree goes back to the task's start."""
        s = self.session
        await asyncio.to_thread(kill_processes_below, s.worktree(task.teammate), 1.0)
        patch = await asyncio.to_thread(self._keep_interrupted, task, number, start, tree)
        return Outcome(AttemptStatus.INTERRUPTED, "interrupted" + _kept(patch))

    def _keep_interrupted(self, task: TaskPlan, number: int, start: str, tree: str | None) -> str | None:
        s = self.session
        if tree is not None:
            return self._set_aside(task, number, start, tree)
        changes = s.staging.stage_and_list(s.worktree(task.teammate), start, s.head(task.teammate),
                                           s.kept.get(task.teammate, ()))  # fmt: skip
        patch = self._keep(task, number, start, "patches", []) if changes else None
        self._reset(task, start)
        return patch

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


def _under(path: str, kept: Sequence[str]) -> bool:
    return any(path == folder or path.startswith(folder + "/") for folder in kept)


def _on_branch(worktree: Path, branch: str) -> bool:
    """Whether the worktree's HEAD is still `branch` (read from its git folder: no process)."""
    gitfile = worktree / ".git"
    try:
        pointer = gitfile.read_text(encoding="utf-8").strip()
        head = Path(pointer.removeprefix("gitdir:").strip()) / "HEAD"
        return head.read_text(encoding="utf-8").strip() == f"ref: refs/heads/{branch}"
    except (OSError, UnicodeDecodeError):
        return False


def _as_reported(result: TaskResult, record: TaskState) -> tuple[TaskResult, bool]:
    """The result as the agent's RALLY_REPORT makes it (notes and files recorded; `failed` and `blocked` fail the
    attempt, `blocked` without a retry); and whether it is blocked."""
    said = parse_report(result.said)
    result = replace(result, summary=printable(result.summary))  # it reaches the terminal: no escape sequences
    if said.status:
        record.notes, record.reported_files = said.notes, list(said.files)
    if said.status == AgentStatus.BLOCKED:
        record.blocker = said.notes or "the agent said it is blocked, without saying why"
        return replace(result, ok=False, summary=f"blocked: {record.blocker}"), True
    if said.status == AgentStatus.FAILED and result.ok:
        return replace(result, ok=False, summary=f"the agent reported failed: {said.notes or 'no notes'}"), False
    return result, False


def _failure(result: TaskResult, timeout: float) -> str:
    if result.summary.startswith(("blocked: ", "the agent reported failed: ")):
        return result.summary
    if result.timed_out:
        return f"timed out after {timeout:g}s (escalation): {result.summary}" if result.summary else \
            f"timed out after {timeout:g}s (escalation)"  # fmt: skip
    return f"backend failed: {result.summary}" if result.summary else "backend failed"


def _kept(patch: str | None) -> str:
    return f"; its changes are kept in {patch}" if patch else ""


def _subject(text: str) -> str:
    """The first line of what the agent said, control characters dropped, cut to a commit subject's length."""
    line = next((printable(line).strip() for line in text.strip().splitlines() if printable(line).strip()), "")
    return line if len(line) <= SUBJECT_LENGTH else line[: SUBJECT_LENGTH - 3].rstrip() + "..."
