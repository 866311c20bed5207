"""The ``ember`` command: ``ember run script.py [args...]`` and ``ember new NAME``."""

import sys

USAGE = """usage: ember run SCRIPT [ARGS...]   run a PyTorch script with torch bound to Ember
       ember new NAME                create a training project in folder NAME"""


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    cmd, rest = argv[0], argv[1:]
    if cmd == "run":
        if not rest:
            print(USAGE, file=sys.stderr)
            return 2
        from ._dropin import run_script
        run_script(rest[0], rest[1:])
        return 0
    if cmd == "new":
        if len(rest) != 1:
            print(USAGE, file=sys.stderr)
            return 2
        from ._scaffold import new_project
        return new_project(rest[0])
    print(f"ember: unknown command '{cmd}'\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
