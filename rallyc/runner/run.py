"""`rallyc run SPEC`: preflight, run folder, worktrees, the task phase, fan-in, report, journal, apply.

`run_spec` returns the exit code: 0 when every task and check passed, 1 when
a task failed or was skipped or a check failed, 130 when interrupted. Lint
errors raise `LintFailed` (exit 1, the CLI prints the findings); every other
problem the user can fix is a `RallyError` (exit 2), raised before anything
is created.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from rallyc.documents import handoff
from rallyc.errors import RallyError
from rallyc.journal import append_entry, overrides_line, spec_overrides
from rallyc.learned import Learned, from_plan
from rallyc.paths import contained
from rallyc.plan import INTEGRATION, Plan
from rallyc.repo import JOURNAL, RALLY_FOLDER, exclude_locally, rally_excludes
from rallyc.runner import spawner
from rallyc.runner.backends import Backend, backend_named
from rallyc.runner.libgit import LIBGIT2_SWITCH, staging_for
from rallyc.runner.libgit import available as libgit_available
from rallyc.runner.process import kill_processes_below
from rallyc.runner.progress import Display
from rallyc.runner.report import report_document, report_markdown, run_status, tes
from rallyc.runner.sandbox import Policy, policy
from rallyc.runner.secrets import Redactor
from rallyc.runner.session import Session
from rallyc.runner.state import RUN_ID, RunFolder, RunState, Store, TaskState, new_run_id, now_text
from rallyc.runner.worktree import Git, GitError
from rallyc.statuses import ENDED, RunOutcome, RunStatus, TaskStatus
from rallyc.units import format_tokens, format_usd

if TYPE_CHECKING:
    from rallyc.context import LintContext

EXIT_PASSED, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
STOP_WAIT_SECONDS = 3.0
"""At a second Ctrl-C, how long rallyc waits for the spawner to have ended every command's tree."""
INTERRUPTS = (signal.SIGINT, signal.SIGTERM)


@dataclass(frozen=True, slots=True)
class RunOptions:
    backend: str | None = None
    concurrency: int | None = None
    max_usd: float | None = None
    dry_run: bool = False
    resume: str | None = None
    apply: bool = False
    keep_worktrees: bool = False
    journal: bool = True
    retry: tuple[str, ...] = ()
    """With `resume`: done tasks to run again (and what comes after them)."""
    learned: bool = True
    """Estimate with the team's learned values (a resumed run keeps those it started with)."""
    shell: str | None = None
    """Replaces run.shell (and means the shell backend); a resumed run keeps the one it started with."""


@dataclass(frozen=True, slots=True)
class Prepared:
    """A lint-clean spec, lowered and compiled, with its repository checked."""

    spec: Path
    plan: Plan
    files: Mapping[str, str]
    git: Git
    top: Path
    prefix: str
    base_commit: str
    dirty: tuple[str, ...]
    backend: Backend
    backend_name: str
    sandbox: Policy
    overrides: tuple[str, ...] = ()
    unready: tuple[str, ...] = ()
    """What this machine lacks for a real run (the backend's program, a check's): a dry run says it, not stops."""
    """What the user overrode, in words, for the journal: options that differ from the spec, and what the spec
    itself overrides (a justified team size, silenced findings)."""


def preflight(spec: Path, options: RunOptions, env: Mapping[str, str]) -> Prepared:
    """Everything checked before anything is created (docs/runner.md, "Life of a run", step 1)."""
    from rallyc.compile import lint_clean
    from rallyc.runner.compiled import compile_for_run, team_dir

    ctx = lint_clean(spec, "run", learned=options.learned and not options.resume)
    folder = team_dir(ctx)
    git = Git.for_repo(folder, env)
    top = git.toplevel(folder)
    if top is None:
        raise RallyError(f"{folder} is not in a git repository", hint="rallyc run works in a git work tree: "
                         "git init, then commit what the teammates start from")  # fmt: skip
    ctx = _as_started(spec, top, options.resume) or ctx
    name = options.backend or ("shell" if options.shell else None) or \
        (_saved_backend(top, options.resume) if options.resume else None) or ctx.spec.run.backend  # fmt: skip
    if options.shell and name != "shell":
        raise RallyError(f"--shell is a command for the shell backend, not for --backend {name}")
    try:
        backend = backend_named(name)
    except (ValueError, ImportError) as error:
        raise RallyError(f"backend `{name}` is not available: {error}") from error
    shell = options.shell or (_saved_shell(top, options.resume) if options.resume else None)
    plan, files = compile_for_run(ctx, backend.runtime, shell)
    base_commit = git.commit_of(top, plan.team.base)
    if base_commit is None:
        raise RallyError(f"team.base `{plan.team.base}` does not resolve to a commit in {top}",
                         hint="commit something first, or set team.base to a branch, tag or commit that exists")  # fmt: skip
    if INTEGRATION in {mate.name for mate in plan.teammates}:
        raise RallyError(f"a teammate named `{INTEGRATION}` would share its branch with the run's integration branch",
                         hint="rename the teammate")  # fmt: skip
    if options.apply and git.current_branch(top) is None:
        raise RallyError(f"--apply refused: {top} is on a detached HEAD, so there is no branch to fast-forward",
                         hint="check out the branch the result should land on, then run again")  # fmt: skip
    dirty = tuple(git.tracked_changes(top))
    if dirty and options.apply:
        raise RallyError(f"--apply refused: {len(dirty)} tracked file(s) have uncommitted changes ({', '.join(dirty[:3])}"
                         f"{', ...' if len(dirty) > 3 else ''})", hint="commit or stash them first")  # fmt: skip
    unready = []
    try:
        backend.preflight(env, plan.run.shell)
    except RallyError as problem:
        unready.append(str(problem))
    prefix = git.prefix(folder)
    for written in (top / RALLY_FOLDER / "runs", top / RALLY_FOLDER / "worktrees", top / prefix / JOURNAL):
        contained(top, written)  # what a run writes in the user's tree stays in it, symbolic links resolved
    unready.extend(_checks_test_the_worktree(plan, top, folder, env))
    if unready and not options.dry_run:
        raise RallyError("; ".join(unready))
    sandbox = policy(plan.run.sandbox, backend.state_paths(env), plan.run.sandbox_writable, folder, env)
    overrides = (*_option_overrides(options, plan, ctx.spec.run.shell), *spec_overrides(ctx))
    return Prepared(spec, plan, files, git, top, prefix, base_commit, dirty, backend, name, sandbox, overrides, tuple(unready))


def _option_overrides(options: RunOptions, plan: Plan, spec_shell: str | None) -> list[str]:
    """The command-line options that override the spec, each with what the spec says."""
    found = []
    if options.max_usd is not None and options.max_usd != plan.budget.max_usd:
        spec_cap = format_usd(plan.budget.max_usd) if plan.budget.max_usd is not None else "none"
        found.append(f"--max-usd {format_usd(options.max_usd)} (budget.max_usd: {spec_cap})")
    if options.concurrency is not None and options.concurrency != plan.run.concurrency:
        found.append(f"--concurrency {options.concurrency} (spec: {plan.run.concurrency})")
    if options.backend is not None and options.backend != plan.run.backend:
        found.append(f"--backend {options.backend} (run.backend: {plan.run.backend})")
    if options.shell is not None:
        found.append(f"--shell {options.shell!r} (run.shell: {'none' if spec_shell is None else repr(spec_shell)})")
    if not options.learned:
        found.append("--no-learned (estimates from the spec's own figures)")
    return found


def _as_started(spec: Path, top: Path, run_id: str | None) -> LintContext | None:
    """For a resumed run that started with learned values, the spec estimated with those (its plan.json's):
    a resumed run estimates as it began, whatever was learned since."""
    from rallyc.compile import lint_clean

    saved = _saved_learned(top, run_id) if run_id else None
    return lint_clean(spec, "run", values=saved) if saved is not None and saved.values else None


def _started(top: Path, run_id: str) -> RunFolder | None:
    """The folder of the run `--resume` names, if there is one (when there is not, `--resume` says so later)."""
    folder = RunFolder(top, run_id)
    return folder if RUN_ID.fullmatch(run_id) and folder.exists() else None


def _saved_learned(top: Path, run_id: str) -> Learned | None:
    folder = _started(top, run_id)
    if folder is None:
        return None
    try:
        return from_plan(_saved_plan(folder).get("learned"), folder.plan_file)
    except RallyError:
        return None  # no plan to resume from: `--resume` says so


def _checks_test_the_worktree(plan: Plan, top: Path, folder: Path, env: Mapping[str, str]) -> list[str]:
    """Refuse to start when a check would test the user's checkout instead of the worktree; say which checks
    cannot run on this machine. Unless `run.setup` gives each worktree its own environment (then its programs are
    looked up there)."""
    from rallyc.runner.environment import missing_programs, setup_for, worktree_env, wrong_code

    checks = [*plan.verify, *(command for task in plan.tasks for command in task.verify)]
    if not checks or plan.run.setup:
        return []
    setup = setup_for(folder)
    hint = (f"give each worktree its own environment: run: {{setup: {json.dumps(setup)}}}" if setup else
            "give each worktree its own environment with `run.setup` (the commands that install the project)")  # fmt: skip
    risks = wrong_code(top, folder, env)
    if risks:
        raise RallyError(f"the checks would test your checkout, not the team's work: {'; '.join(risks)}", hint=hint)
    missing = missing_programs(checks, worktree_env(env, top, None), None)
    if not missing:
        return []
    shown = "; ".join(f"`{command}` needs `{program}`" for command, program in missing)
    return [f"checks that cannot run in a worktree: {shown}, not found on PATH (outside your checkout); "
            f"install it, or {hint}"]  # fmt: skip


def _saved_backend(top: Path, run_id: str) -> str | None:
    """The backend a run started with, so `--resume` without `--backend` keeps it."""
    folder = _started(top, run_id)
    return folder.load().backend if folder else None


def _saved_shell(top: Path, run_id: str) -> str | None:
    """The shell command a run started with (plan.json's run.shell), so `--resume` without `--shell` keeps it."""
    folder = _started(top, run_id)
    saved = _saved_plan(folder).get("run") if folder else None
    shell = saved.get("shell") if isinstance(saved, dict) else None
    return shell if isinstance(shell, str) else None


# ---- the run -------------------------------------------------------------------------


def run_spec(spec: Path, options: RunOptions, display: Display, env: Mapping[str, str] | None = None) -> int:
    environment = dict(os.environ if env is None else env)
    prepared = preflight(spec, options, environment)
    display.line(f"rallyc: {prepared.sandbox.describe()}")
    if environment.get(LIBGIT2_SWITCH, "1") != "0" and not libgit_available():
        display.line("rallyc: note: each task is committed with git processes; pip install 'rallyc[fast-git]' commits "
                     "in process (the same commits, less time per task with many teammates)")  # fmt: skip
    if prepared.dirty:
        display.line(f"rallyc: warning: {len(prepared.dirty)} tracked file(s) have uncommitted changes; the run starts "
                     f"from team.base ({prepared.plan.team.base}) and does not see them")  # fmt: skip
    from rallyc.runner.dryrun import dry_run_text, projection

    cap = options.max_usd if options.max_usd is not None else prepared.plan.budget.max_usd
    if options.dry_run:
        for problem in prepared.unready:
            display.line(f"rallyc: warning: a real run would stop here: {problem}")
        display.line(dry_run_text(prepared.plan, options.concurrency or prepared.plan.run.concurrency, cap,
                                  prepared.backend_name))  # fmt: skip
        return EXIT_PASSED
    display.line(f"rallyc: {projection(prepared.plan, cap)}")
    spawner.shared()  # started with the run, not in the middle of its first task
    prepared.sandbox.prepare()
    session, notes = _open(prepared, options, environment)
    for note in notes:
        display.line(f"rallyc: {note}")
    try:
        return _execute(session, options, display)
    finally:
        session.store.close()
        session.folder.unlock()


def _open(prepared: Prepared, options: RunOptions, env: Mapping[str, str]) -> tuple[Session, list[str]]:
    redactor = Redactor(env)
    git = prepared.git
    common = git.common_dir(prepared.top)
    if options.resume:
        return _resume(prepared, options, env, redactor, common)
    plan = prepared.plan
    run_id = new_run_id(plan.team.name)
    folder = RunFolder(prepared.top, run_id)
    folder.lock()
    exclude_locally(common, *rally_excludes(prepared.top / prepared.prefix, prepared.top))
    store = Store(folder, redactor)
    for path, text in prepared.files.items():
        store.write(path, text)
    state = RunState(
        run_id=run_id, team=plan.team.name, spec=str(prepared.spec), top=str(prepared.top), prefix=prepared.prefix,
        base=plan.team.base, base_commit=prepared.base_commit, backend=prepared.backend_name,
        concurrency=options.concurrency or plan.run.concurrency, retries=plan.run.retries,
        max_usd=options.max_usd if options.max_usd is not None else plan.budget.max_usd,
        max_tokens=plan.budget.max_tokens, keep_worktrees=options.keep_worktrees, journal=options.journal,
        tasks={task.id: TaskState(task.id, task.teammate) for task in plan.tasks},
        heads={mate.name: prepared.base_commit for mate in plan.teammates},
        sandbox=str(prepared.sandbox.mechanism), overrides=list(prepared.overrides),
    )  # fmt: skip
    session = _session(prepared, state, folder, store, env, redactor, common)
    session.save()
    _add_worktrees(session)
    return session, []


def _add_worktrees(s: Session) -> None:
    """One worktree per teammate; a repository git cannot check out in a new worktree is a clear error, and what
    was made for the run is taken away again (nothing started)."""
    try:
        for mate in s.plan.teammates:
            s.git.add_worktree(s.top, s.worktree(mate.name), s.branch(mate.name), s.state.base_commit, new=True)
    except GitError as error:
        s.store.close()
        s.folder.unlock()
        _remove_worktrees(s)
        for mate in s.plan.teammates:
            s.git.delete_branch(s.top, s.branch(mate.name))
        shutil.rmtree(s.folder.path, ignore_errors=True)
        raise RallyError(f"git cannot check out team.base ({s.state.base}) in a new worktree: {error}",
                         hint="the file git names cannot be checked out as it is committed (a working-tree-encoding "
                              "it cannot convert, a path this system refuses); fix it on team.base") from error  # fmt: skip


def _resume(prepared: Prepared, options: RunOptions, env: Mapping[str, str], redactor: Redactor,
            common: Path) -> tuple[Session, list[str]]:  # fmt: skip
    from rallyc.runner.amend import amend, amendment
    from rallyc.runner.recover import recover

    run_id = options.resume or ""
    folder = _started(prepared.top, run_id)
    if folder is None:
        raise RallyError(f"no run `{run_id}` in {prepared.top / '.rally' / 'runs'}", hint="rallyc status lists the runs")
    folder.lock()
    state = folder.load()
    try:
        change = amendment(_saved_plan(folder), prepared.plan, options.retry)
    except RallyError:
        folder.unlock()
        raise
    state.sessions += 1
    state.status, state.finished_at = RunStatus.RUNNING, None
    state.backend = prepared.backend_name
    state.concurrency = options.concurrency or state.concurrency
    state.max_usd = options.max_usd if options.max_usd is not None else state.max_usd
    state.keep_worktrees = state.keep_worktrees or options.keep_worktrees
    state.journal = state.journal and options.journal
    state.overrides += [item for item in prepared.overrides if item not in state.overrides]
    session = _session(prepared, state, folder, Store(folder, redactor), env, redactor, common)
    notes = amend(session, change)
    for path, text in prepared.files.items():  # the plan and prompts the run goes on with
        session.store.write(path, text)
    return session, notes + recover(session)


def _saved_plan(folder: RunFolder) -> dict[str, Any]:
    try:
        found = json.loads(folder.plan_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RallyError(f"cannot read the plan run {folder.run_id} started with ({folder.plan_file}): {error}") \
            from error  # fmt: skip
    if not isinstance(found, dict):
        raise RallyError(f"{folder.plan_file} is not a plan")
    return found


def _session(prepared: Prepared, state: RunState, folder: RunFolder, store: Store, env: Mapping[str, str],
             redactor: Redactor, common: Path) -> Session:  # fmt: skip
    prompts = {mate.name: prepared.files[f"prompts/{mate.prompt}"] for mate in prepared.plan.teammates}
    return Session(prepared.plan, state, folder, store, prepared.git, prepared.backend, env, redactor, prompts, common,
                   staging_for(prepared.git, prepared.top, common, env), prepared.sandbox)  # fmt: skip


def _execute(session: Session, options: RunOptions, display: Display) -> int:
    s = session
    s.listeners.append(display.event)
    started = time.monotonic()
    try:
        interrupted = asyncio.run(_main(s, display))
    finally:
        display.stop()
        s.state.wall_s = round(s.state.wall_s + time.monotonic() - started, 3)
    # after a first Ctrl-C, a second one does not wait for the reports either
    with _signals_quit_now(s, display) if interrupted else contextlib.nullcontext():
        return _finish(s, options, display, interrupted)


def _quit_now(s: Session, display: Display) -> NoReturn:
    """The second Ctrl-C (or SIGTERM): out at once, as if killed, which `--resume` is built for; but nothing
    of the run is left running, and the state on disk has every change made so far."""
    spawner.shutdown(wait=STOP_WAIT_SECONDS)  # every command's tree, wherever it went
    kill_processes_below(s.folder.worktrees, 0.0)
    s.flush()
    display.stop()
    display.line(f"rallyc: stopped at once; resume: rallyc run {s.state.spec} --resume {s.run_id}")
    os._exit(EXIT_INTERRUPTED)  # no unwinding: threads still running git are cut short, as by kill -9


@contextlib.contextmanager
def _signals_quit_now(s: Session, display: Display) -> Iterator[None]:
    def handler(signum: int, frame: object) -> None:
        _quit_now(s, display)

    try:
        before = {sig: signal.signal(sig, handler) for sig in INTERRUPTS}
    except ValueError:  # not the main thread (an embedding program): no signal handling
        before = {}
    try:
        yield
    finally:
        for sig, previous in before.items():
            signal.signal(sig, previous)


async def _main(s: Session, display: Display) -> bool:
    """The task phase and fan-in; True when interrupted."""
    from rallyc.runner.fanin import fan_in
    from rallyc.runner.lifecycle import TaskRunner
    from rallyc.runner.scheduler import Scheduler

    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(max_workers=max(8, 2 * s.state.concurrency + 2)))
    s.interrupted = asyncio.Event()
    runner = TaskRunner(s)
    fanin: list[asyncio.Task[None]] = []

    def on_signal() -> None:
        if s.is_interrupted():
            _quit_now(s, display)
        assert s.interrupted is not None
        s.interrupted.set()
        display.line("rallyc: interrupted: stopping the tasks in flight and saving the state (Ctrl-C again to quit now)")
        runner.interrupt()
        for job in fanin:
            job.cancel()

    for sig in INTERRUPTS:
        try:
            loop.add_signal_handler(sig, on_signal)
        except (RuntimeError, ValueError):  # not the main thread (an embedding program): no Ctrl-C handling
            pass
    display.start(s.plan, s.state)
    kind = "run_resumed" if s.state.sessions > 1 else "run_started"
    s.emit(kind, run_id=s.run_id, tasks=len(s.plan.tasks), teammates=len(s.plan.teammates), backend=s.state.backend,
           concurrency=s.state.concurrency, session=s.state.sessions)  # fmt: skip
    try:
        await Scheduler(s, runner).run()
        if not s.is_interrupted():
            fanin.append(asyncio.create_task(fan_in(s)))
            try:
                await fanin[0]
            except asyncio.CancelledError:
                if not s.is_interrupted():
                    raise
    finally:
        s.flush()
        for sig in INTERRUPTS:
            try:
                loop.remove_signal_handler(sig)
            except (RuntimeError, ValueError):
                pass
    return s.is_interrupted()


def _finish(s: Session, options: RunOptions, display: Display, interrupted: bool) -> int:
    state = s.state
    state.status = RunStatus.INTERRUPTED if interrupted else RunStatus.FINISHED
    state.finished_at = None if interrupted else now_text()
    if not interrupted and options.apply and run_status(s.plan, state) == RunOutcome.PASSED:
        problem = _apply(s)
        if problem:
            display.line(f"rallyc: not applied: {problem}")
    s.save()
    _write_reports(s)
    status = run_status(s.plan, state)
    s.emit("run_finished", run_id=s.run_id, status=status, cost_usd=round(state.cost_usd, 6), tokens=state.tokens,
           tes=tes(s.plan, state).score)  # fmt: skip
    if not interrupted:
        if state.journal:
            _journal(s, status)
        if not state.keep_worktrees:
            _remove_worktrees(s)
    display.line(summary(s, status))
    if interrupted:
        return EXIT_INTERRUPTED
    applied_as_asked = state.applied is not None or not options.apply
    return EXIT_PASSED if status == RunOutcome.PASSED and applied_as_asked else EXIT_FAILED


def _write_reports(s: Session) -> None:
    graph = (s.folder.path / "graph.mmd").read_text(encoding="utf-8")
    doc = report_document(s.plan, s.state)
    s.store.write("report.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    s.store.write("report.md", report_markdown(s.plan, s.state, doc, graph))
    s.store.write("handoff.md", handoff(s.plan, doc))


def _apply(s: Session) -> str | None:
    """Fast-forward the user's current branch to the integration branch; the reason when it cannot be done."""
    from rallyc.runner.state import Applied

    git, top = s.git, s.top
    commit = s.state.fanin.commit
    branch = git.current_branch(top)
    if commit is None:
        return "fan-in made no commit"
    if branch is None:
        return "your checkout is on a detached HEAD; check out the branch to fast-forward"
    if git.tracked_changes(top):
        return "tracked files in your checkout have uncommitted changes"
    if not git.is_ancestor(top, "HEAD", commit):
        return f"{branch} has moved away from team.base; merge {s.branch(INTEGRATION)} yourself"
    done = git.run(top, "merge", "--ff-only", "-q", commit, check=False)
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return f"git merge --ff-only failed: {said[0] if said else done.returncode}"
    s.state.applied = Applied(branch, commit)
    s.emit("applied", branch=branch, commit=commit)
    return None


def _journal(s: Session, status: RunOutcome) -> None:
    """One entry appended to .agents/rally.md in team.repo: the one file a run writes into the user's tree."""
    plan, state = s.plan, s.state
    score = tes(plan, state)
    entry = (
        f"\n## {state.finished_at or now_text()} run `{state.run_id}`\n\n"
        f"- Team: {plan.team.name}, {len(plan.teammates)} teammates ({', '.join(m.role for m in plan.teammates)}), "
        f"{len(plan.tasks)} tasks; pattern: {team_pattern(plan)}; backend {state.backend}\n"
        f"- Outcome: {status}: {', '.join(f'{state.count(ended)} {ended}' for ended in ENDED)}; "
        f"{len(state.violations)} ownership violation(s), {len(state.conflicts)} merge conflict(s)\n"
        f"- TES {score.score:.2f} ({score.grade}); cost {format_usd(state.cost_usd)}; report "
        f".rally/runs/{state.run_id}/report.md\n"
        + overrides_line(state.overrides)
    )
    append_entry(s.top / state.prefix / JOURNAL, s.redactor.text(entry))


def team_pattern(plan: Plan) -> str:
    """A name for the shape of the task graph, for the journal."""
    waits = [len({plan.task(source).teammate for source in task.waits_on}) for task in plan.tasks]
    if not any(waits):
        return "independent parallel"
    if max(waits) >= 2:
        return "fan-out / fan-in"
    return "staged handoffs"


def _remove_worktrees(s: Session) -> None:
    s.git.remove_worktrees(s.top, [s.worktree(name) for name in [*(m.name for m in s.plan.teammates), INTEGRATION]])
    try:
        s.folder.worktrees.rmdir()
    except OSError:
        pass


def summary(s: Session, status: RunOutcome) -> str:
    plan, state = s.plan, s.state
    score = tes(plan, state)
    from rallyc.runner.report import next_step, seconds, speedup_achieved

    lines = [
        f"rallyc: run {state.run_id} {status}: {state.count(TaskStatus.DONE)} of {len(plan.tasks)} tasks done"
        f" ({state.count(TaskStatus.FAILED)} failed, {state.count(TaskStatus.SKIPPED)} skipped), "
        f"{len(state.violations)} ownership "
        f"violation(s); cost {format_usd(state.cost_usd)}, {format_tokens(state.tokens)} tokens; speedup "
        f"{speedup_achieved(state):.2f}x of {plan.speedup:.2f}x planned; TES {score.score:.2f} ({score.grade}); "
        f"{seconds(state.wall_s)}",
        f"  report: {_shown(s.folder.path / 'report.md')}",
    ]
    if status == RunOutcome.INTERRUPTED:
        lines.append(f"  resume: rallyc run {state.spec} --resume {state.run_id}")
    elif state.applied:
        lines.append(f"  applied: {state.applied.branch} fast-forwarded to {s.branch(INTEGRATION)}")
    elif status == RunOutcome.PASSED:
        lines.append(f"  apply: git merge --ff-only {s.branch(INTEGRATION)}")
    elif state.outside:
        lines.append(f"  next: {next_step(plan, state)}")
    else:
        lines.append(f"  after fixing: rallyc run {state.spec} --resume {state.run_id}")
    return "\n".join(lines)


def _shown(path: Path) -> str:
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative
