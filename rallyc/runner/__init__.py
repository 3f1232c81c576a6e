"""`rallyc run`: execute a compiled plan in git worktrees (docs/runner.md)."""
