"""`backprop-playground [streamlit flags]`: start the app from any directory.

    backprop-playground                                        # http://127.0.0.1:8501, this machine only
    backprop-playground --server.port 8600 --server.address 0.0.0.0   # a server for a class

It is `streamlit run` on the packaged launcher (serve.py), with every argument passed through. The settings
(headless, upload limit, address, theme, …) are in `playground/.streamlit/config.toml`, which Streamlit reads
next to the script wherever it is installed; flags and STREAMLIT_* variables override them as usual.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from playground import resources


def streamlit_args(argv: Sequence[str]) -> list[str]:
    """The `streamlit` command line that starts the app with these extra arguments."""
    return ["run", str(resources.SERVE), *argv]


def main(argv: Sequence[str] | None = None) -> int:
    from streamlit.web import cli as stcli

    args = streamlit_args(sys.argv[1:] if argv is None else argv)
    try:
        stcli.main.main(args=args, prog_name="backprop-playground", standalone_mode=True)
    except SystemExit as e:  # click ends with SystemExit(code)
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
