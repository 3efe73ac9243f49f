"""The configuration in the URL's query string, and back. Junk values fall back to defaults with a notice.

Only the configuration travels (not drawn points): a copied link reproduces the set-up.
"""

from __future__ import annotations

from engine.config import OPTIMIZERS, Config, ConfigError, parse_config, shown

# query key -> config path; values are strings in the URL
SCALARS = {
    "problem": ("problem",),
    "gen": ("data", "generator"),
    "n": ("data", "n"),
    "noise": ("data", "noise"),
    "dseed": ("data", "seed"),
    "classes": ("data", "classes"),
    "test": ("test_fraction",),
    "act": ("activation",),
    "out": ("output_activation",),
    "loss": ("loss",),
    "opt": ("optimizer", "name"),
    "lr": ("optimizer", "learning_rate"),
    "reg": ("regularization", "kind"),
    "rate": ("regularization", "rate"),
    "dropout": ("dropout",),
    "clip": ("clip_norm",),
    "sched": ("schedule", "name"),
    "warmup": ("schedule", "warmup_epochs"),
    "step_epochs": ("schedule", "step_epochs"),
    "gamma": ("schedule", "gamma"),
    "decay_epochs": ("schedule", "decay_epochs"),
    "final": ("schedule", "final_fraction"),
    "init": ("init",),
    "seed": ("seed",),
}
HYPER = sorted({k for spec in OPTIMIZERS.values() for k in spec})  # momentum, b1, b2, eps, decay, …
MAX_VALUE_LEN = 200
UI_KEYS = ("hide", "present", "preset")  # classroom flags, read by the page, not part of the config


def _typed(s: str):
    s = s.strip()
    if s.lower() in ("none", "null", ""):
        return None
    try:
        f = float(s)
    except ValueError:
        return s
    return int(f) if f.is_integer() and "." not in s and "e" not in s.lower() else f


def _get(d: dict, path: tuple[str, ...]):
    for k in path:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def _set(d: dict, path: tuple[str, ...], v) -> None:
    for k in path[:-1]:
        d = d.setdefault(k, {})
    d[path[-1]] = v


def config_to_query(cfg: Config) -> dict[str, str]:
    """The config as short query parameters (defaults left out, inline data not included)."""
    doc = cfg.to_dict()
    default = Config().to_dict()
    q: dict[str, str] = {}
    for key, path in SCALARS.items():
        v = _get(doc, path)
        if v is not None and v != _get(default, path):
            q[key] = str(v)
    for k in HYPER:
        if k in doc["optimizer"]:
            q[k] = str(doc["optimizer"][k])
    if cfg.features is not None and list(cfg.features) != ["x1", "x2"]:
        q["features"] = ",".join(cfg.features)
    if cfg.hidden != Config().hidden:
        q["hidden"] = ",".join(map(str, cfg.hidden)) or "none"
    if cfg.batch_size != Config().batch_size:
        q["batch"] = "full" if cfg.batch_size is None else str(cfg.batch_size)
    return q


def query_to_config(query: dict[str, str], base: Config | None = None) -> tuple[Config, list[str]]:
    """Parse query parameters over a base config. Every bad value is dropped with a one-line notice."""
    notices: list[str] = []
    doc = (base or Config()).to_dict()
    if "generator" not in doc["data"]:
        doc["data"] = Config().data
    for k in ("params", "trained_epochs", "train_state"):
        doc.pop(k, None)
    given: dict[str, tuple[str, ...]] = {}
    for key, raw in query.items():
        if key in UI_KEYS:
            continue
        raw = str(raw)
        if len(raw) > MAX_VALUE_LEN:
            notices.append(f"{shown(key)}: value too long; ignored")
            continue
        if key in SCALARS:
            _set(doc, SCALARS[key], _typed(raw))
            given[key] = SCALARS[key]
        elif key in HYPER:
            _set(doc, ("optimizer", key), _typed(raw))
            given[key] = ("optimizer", key)
        elif key == "features":
            doc["features"] = [f.strip() for f in raw.split(",") if f.strip()]
            given[key] = ("features",)
        elif key == "hidden":
            doc["hidden"] = [] if raw.strip().lower() in ("none", "") else [_typed(w) for w in raw.split(",")]
            given[key] = ("hidden",)
        elif key == "batch":
            doc["batch_size"] = None if raw.strip().lower() == "full" else _typed(raw)
            given[key] = ("batch_size",)
        else:
            notices.append(f"{shown(key)}: unknown setting; ignored")
    if doc.get("optimizer", {}).get("name") in OPTIMIZERS:
        # hyper-parameters of another optimiser than the one chosen are dropped silently (an unknown name is
        # reported by parse_config below)
        allowed = set(OPTIMIZERS[doc["optimizer"]["name"]]) | {"name", "learning_rate"}
        doc["optimizer"] = {k: v for k, v in doc["optimizer"].items() if k in allowed}
    defaults = Config().to_dict()
    if doc.get("problem") == "regression":  # the defaults of the problem asked for, not classification's
        defaults["data"] = {"generator": "plane", "n": 300, "noise": 0.1, "seed": 0}
        if doc.get("data", {}).get("generator") in (None, "circle"):
            doc["data"] = dict(defaults["data"])
    for _ in range(40):
        try:
            return parse_config(doc), notices
        except ConfigError as e:
            msg = str(e)
            if notices and notices[-1].endswith(f"{msg.split(': ', 1)[-1]}; using the default"):
                break  # the default did not help either
            path = msg.split(":", 1)[0].replace("[", ".").split(".")
            top = path[0]
            qkey = next(
                (k for k, p in given.items() if p[0] == top and (len(p) < 2 or len(path) < 2 or p[1] == path[1])), top
            )
            notices.append(f"{qkey}: {msg.split(': ', 1)[-1]}; using the default")
            if len(path) > 1 and isinstance(doc.get(top), dict) and path[1] in doc[top] and not path[1].isdigit():
                dflt = _get(defaults, (top, path[1]))
                if dflt is None:
                    doc[top].pop(path[1])
                else:
                    doc[top][path[1]] = dflt
            elif top in defaults:
                doc[top] = defaults[top]
            else:
                doc.pop(top, None)
            given = {k: p for k, p in given.items() if k != qkey}
    return Config(), [*notices, "settings reset to defaults"]
