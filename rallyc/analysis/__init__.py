"""Passes over the IR: the task graph, the schedule, the cost estimate."""
