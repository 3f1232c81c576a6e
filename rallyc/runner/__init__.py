"""`rallyc run`: execute a compiled plan in git worktrees (RUNNER.md)."""
