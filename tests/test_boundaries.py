"""The engine's module boundaries: no import circle (lazy imports inside functions count too), no Streamlit."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "engine"


def engine_imports() -> dict[str, set[str]]:
    """module → the engine modules it imports, anywhere in its text (`engine.x` for engine/x.py)."""
    graph = {}
    for path in ENGINE.glob("*.py"):
        name = "engine" if path.stem == "__init__" else f"engine.{path.stem}"
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "engine":
                found.add(node.module)
                if node.module == "engine":  # from engine import limits
                    found |= {f"engine.{a.name}" for a in node.names if (ENGINE / f"{a.name}.py").exists()}
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.split(".")[0] in ("engine", "streamlit")}
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "streamlit":
                found.add("streamlit")
        graph[name] = found - {name, "engine"}
    return graph


def test_the_engine_never_imports_streamlit():
    assert not [m for m, deps in engine_imports().items() if "streamlit" in deps]


def test_no_import_circle_in_the_engine():
    graph = engine_imports()
    done: set[str] = set()

    def visit(m: str, path: tuple[str, ...]) -> None:
        if m in path:
            raise AssertionError("import circle: " + " → ".join((*path[path.index(m) :], m)))
        if m in done:
            return
        for d in sorted(graph.get(m, ())):
            visit(d, (*path, m))
        done.add(m)

    for m in sorted(graph):
        visit(m, ())
