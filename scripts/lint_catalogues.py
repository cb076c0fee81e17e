"""Lint the deletion-request catalogues (run by `make lint`); exit 1 with one line per problem."""

from __future__ import annotations

import sys

from takedown.notices.cataloglint import lint_all


def main() -> int:
    problems = lint_all()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} catalogue problem(s)", file=sys.stderr)
        return 1
    print("catalogues: ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
