"""What the runner watches around each task besides the task's own changes: its refs, the user's refs and checkout.

- The run's refs (`refs.py`): after a task, every run branch but the task's own must hold what the runner
  recorded, and every run worktree's HEAD must name its own branch; anything else is put back and
  reported as the task's violation.
- Without a sandbox, the user's refs (branches, tags, stash, HEADs) and checkout (`git status` and the
  files it lists) are compared, after each task, with what they were when the tasks in flight started; a
  change is reported as a possible violation of those tasks (`RunState.outside`), blocks `--apply`, and is
  not reverted: the user may be working. With a sandbox no task can write them, so nothing is compared.

Changes the user makes while no task is in flight are taken as the user's own: the baseline is read
again when a task starts with no other in flight.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from rallyc.runner import refs
from rallyc.runner.enforce import Breach
from rallyc.runner.names import shown
from rallyc.runner.state import Outside

if TYPE_CHECKING:
    from rallyc.runner.session import Session

Checkout = frozenset[tuple[str, int, int]]


class Watch:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.lock = threading.Lock()
        self.inflight: set[str] = set()
        self.watching = not session.sandbox.active
        self.user_refs: dict[str, str] = {}
        self.checkout: Checkout = frozenset()
        self._ours: tuple[int, dict[str, str]] = (-1, {})

    def ours(self) -> dict[str, str]:
        """`refs.ours`, read again only when the repository's list of worktrees changed."""
        s = self.session
        try:
            stamp = os.stat(s.common_dir / "worktrees").st_mtime_ns
        except OSError:
            stamp = 0
        if stamp != self._ours[0]:
            self._ours = (stamp, refs.ours(s.common_dir, s.folder.worktrees))
        return self._ours[1]

    def started(self, task: str) -> None:
        """`task` starts (in a worker thread); alone, it takes the user's refs and checkout as they are now."""
        with self.lock:
            if self.watching and not self.inflight:
                self.user_refs, self.checkout = self._user_refs(), self._checkout()
            self.inflight.add(task)

    def ended(self, task: str) -> None:
        with self.lock:
            self.inflight.discard(task)

    def outside(self, task: str) -> None:
        """After `task`'s backend: a change to the user's refs or checkout since the baseline is recorded."""
        if not self.watching:
            return
        with self.lock:
            during = sorted(self.inflight | {task})
            user_refs, checkout = self._user_refs(), self._checkout()
            moved = refs.changes(self.user_refs, user_refs)
            touched = sorted(shown(path) for path in {entry[0] for entry in checkout ^ self.checkout})
            self.user_refs, self.checkout = user_refs, checkout
        for kind, what in (("refs", moved), ("checkout", touched)):
            if what:
                self.session.state.outside.append(Outside(kind, during, what))
                self.session.emit("outside_change", change=kind, during=during, what=what[:20])

    def run_refs(self, own: str, start: str) -> list[Breach]:
        """The run's refs put back where the runner left them (called with `Session.refs_lock` held)."""
        s = self.session
        namespace = refs.run_namespace(s.run_id)
        heads = self.ours()
        run, _ = refs.split(refs.read_refs(s.git, s.top, s.common_dir), s.run_id, heads)
        expected = {namespace + mate: commit for mate, commit in s.state.heads.items()}
        expected.update({key: f"ref: {namespace}{mate}" for key, mate in heads.items()})
        mine = {namespace + own, *(key for key, mate in heads.items() if mate == own)}
        found = []
        for name in sorted((set(run) | set(expected)) - mine):
            if run.get(name) != expected.get(name):
                self._put_back(name, expected.get(name))
                moved = refs.moved(expected.get(name), run.get(name))
                found.append(Breach(name, f"the run's refs are the runner's to move ({moved}); put back"))
        if (namespace + own) not in run:
            s.git.set_ref(s.top, namespace + own, start)
            found.append(Breach(namespace + own, "the task deleted its own branch (made again at the task's start)"))
        return found

    def _put_back(self, name: str, value: str | None) -> None:
        s = self.session
        if name.startswith("worktrees/"):
            path = s.common_dir / name
            if value is not None and path.parent.is_dir():
                path.write_text(value + "\n", encoding="utf-8")
            return
        s.git.set_ref(s.top, name, value)

    def _user_refs(self) -> dict[str, str]:
        s = self.session
        return refs.split(refs.read_refs(s.git, s.top, s.common_dir), s.run_id, self.ours())[1]

    def _checkout(self) -> Checkout:
        """The user's checkout as `git status` lists it (changed and untracked files), with each listed file's
        modification time and size: a second change to a file already changed shows too."""
        s = self.session
        found = set()
        for path in s.staging.dirty_paths(s.top):
            try:
                info = os.lstat(s.top / path)
                found.add((path, info.st_mtime_ns, info.st_size))
            except OSError:
                found.add((path, 0, -1))
        return frozenset(found)
