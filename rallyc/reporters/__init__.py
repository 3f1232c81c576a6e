"""Output formats of `rallyc lint`: each module renders a LintReport to a string."""

from __future__ import annotations

FORMATS = ("text", "json", "sarif", "github")
