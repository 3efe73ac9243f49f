"""Check lessons from the command line: every step runs with the engine and must show what the lesson says.

python -m playground.lessons                     # list the shipped lessons
python -m playground.lessons check               # run and check every shipped lesson
python -m playground.lessons check xor my.json   # some lessons: shipped names or files
python -m playground.lessons check my.json --lang zh --show   # and print each step's explanation
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from playground import lessons


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m playground.lessons", description=__doc__.split("\n")[0])
    ap.add_argument("command", nargs="?", choices=("list", "check"), default="list")
    ap.add_argument("lessons", nargs="*", help="shipped lesson names or lesson files (default: every shipped one)")
    ap.add_argument("--lang", choices=("en", "zh"), default="en", help="the language of --show")
    ap.add_argument("--show", action="store_true", help="print each step's key and explanation")
    args = ap.parse_args(argv)
    try:
        todo = [
            lessons.load_file(n) if n.endswith(".json") or Path(n).is_file() else lessons.load(n)
            for n in (args.lessons or lessons.names())
        ]
    except lessons.LessonError as e:
        print(e, file=sys.stderr)
        return 2
    if args.command == "list":
        for les in sorted(todo, key=lambda x: (x.order, x.name)):
            print(f"{les.name:24} {len(les.steps)} steps  {les.title.get(args.lang)}")
        return 0
    failed = 0
    t_all = time.perf_counter()
    for les in todo:
        for step in les.steps:
            try:
                result = lessons.run_step(step)
                problems = lessons.verify(step, result)
            except lessons.LessonError as e:
                problems, result = [str(e)], None
            secs = f"{result.seconds:5.1f} s" if result is not None else "   –   "
            print(f"{'ok  ' if not problems else 'FAIL'} {secs}  {step.where}")
            for p in problems:
                print(f"      {p}")
            failed += bool(problems)
            if args.show and result is not None and not problems:
                key = lessons.expected_answer(step, result)
                print(f"      key: {lessons.shown(step, key, args.lang, result)}")
                print("      " + lessons.reveal(step, result, args.lang).replace("\n", "\n      "))
    print(f"{failed} step(s) failed; {time.perf_counter() - t_all:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
