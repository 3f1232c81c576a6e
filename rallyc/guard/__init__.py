"""`rallyc guard`: the command the installed Claude Code and Codex hooks run.

A hook runs it with the event's JSON on stdin; it exits 0 to let the call
through and 2 to refuse it, the reason on stderr, which both runtimes show to
the agent (code.claude.com/docs/en/hooks, "Exit code 2"; Codex blocks on exit
2 with a non-empty stderr: openai/codex codex-rs/hooks/src/events/pre_tool_use.rs).
It never fails open: every other exit code lets the call through in both
runtimes, so an unreadable plan, bad input or a bug is exit 2 with a
message too, and the hook command itself turns "rallyc not found" (127) and
any other code into 2 (`rallyc.targets.hooks`).

Why a command and not a generated script: ownership is decided by rallyc's
own glob engine, the one the linter and the runner use, so a glob means the
same thing in every place (exclusions included) and nothing is implemented
twice. Importing that engine costs more than the 50 ms a hook on every tool
call may take, so the first PreToolUse call starts a small server
(`rallyc.guard.server`) that keeps the compiled globs and answers later calls
over a private Unix socket; a call the server cannot answer is decided in
process, the same way. SubagentStop and TaskCompleted run `verify` commands,
which need the hook's own environment: they are always decided in process.
"""
