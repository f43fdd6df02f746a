"""From the facts of every scanned module to emit calls with names: module constants (also those
imported from another scanned module) are looked up, and thin wrappers are followed.

A wrapper is a function or method whose parameter flows into the name of an emit call (`def
publish_event(name, data): tracker.emit(name, data)`, `log(name, data) { Logger.log(name, data) }`).
Calls of a wrapper are emit calls of the names they pass. Wrappers of wrappers are found by
repeating until no new wrapper turns up (a fixed point)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .facts import Arg, Function, Hole, Module, Param, Payload, Ref, Site, Value
from .signatures import Shape

MAX_DEPTH = 12  # constants referring to constants, wrapper rounds
_WORD = re.compile(r"[A-Za-z0-9]")

Piece = str | Hole | Param
Resolved = tuple[tuple[Piece, ...], bool]  # the parts, and whether a constant was used


@dataclass
class Call:
    file: str
    line: int
    column: int
    api: str  # the API reached, through wrappers: the one inside the innermost wrapper
    implements: str  # the catalog API it counts as
    language: str
    resolved: str  # literal, constant, wrapper, dynamic, unresolved or nameless
    name: str = ""  # when exact
    pattern: str = ""  # when dynamic: literal parts with '*' for what is computed
    expression: str = ""  # the source of what could not be resolved
    via: list[str] = field(default_factory=list)  # wrappers followed, outermost first
    payload_keys: list[str] = field(default_factory=list)
    payload_complete: bool = False  # the payload was a literal without spreads

    @property
    def side(self) -> str:
        return "server" if self.language == "python" else "browser"


@dataclass
class Inner:
    """One emit call inside a wrapper, its name still depending on the wrapper's parameters."""
    site: Site  # the emit call (or the call of another wrapper) inside it
    names: list[Resolved]  # templates: may hold the function's Params
    payload: Payload
    api: str
    implements: str
    via: list[str]  # the wrappers it goes through itself, outermost first


@dataclass
class Wrapper:
    module: Module
    function: Function
    inner: list[Inner] = field(default_factory=list)
    called: bool = False


class Tree:
    """Every scanned module, indexed for imports."""

    def __init__(self, modules: list[Module]) -> None:
        self.modules = modules
        self.python: dict[str, list[Module]] = {}  # by every dotted suffix of the module's key
        self.javascript: dict[str, Module] = {}
        for module in modules:
            if module.language == "python":
                parts = module.key.split(".")
                for start in range(len(parts)):
                    self.python.setdefault(".".join(parts[start:]), []).append(module)
            else:
                self.javascript[module.key] = module

    def find(self, language: str, spec: str) -> Module | None:
        """The scanned module an import names. Python imports are matched on the end of the
        module's path, so a tree scanned from above its import root still resolves; when two
        modules end the same way, only an exact match counts."""
        if language != "python":
            return self.javascript.get(spec)
        found = self.python.get(spec)
        if not found:
            return None
        exact = [m for m in found if m.key == spec]
        return exact[0] if exact else found[0] if len(found) == 1 else None

    # --- constants -----------------------------------------------------------------------------

    def constant(self, module: Module, cls: str, dotted: str, depth: int) -> list[Resolved] | None:
        """The values a module-level name stands for, resolved; None when it is not a constant of
        a scanned module."""
        if depth > MAX_DEPTH:
            return None
        head, _, rest = dotted.partition(".")
        if head in ("self", "this", "cls") and rest:
            if cls and f"{cls}.{rest}" in module.constants:
                return self.values(module.constants[f"{cls}.{rest}"], module, cls, depth + 1)
            return None
        if dotted in module.constants:
            return self.values(module.constants[dotted], module, cls, depth + 1)
        imported = module.imports.get(head)
        if imported is None:
            return None
        spec, name = imported
        target = self.find(module.language, spec)
        if name:
            if name == "default" and target is not None:
                name = target.default_export
                if not name:
                    return None
            whole = f"{name}.{rest}" if rest else name
            if target is not None and (whole in target.constants or name in target.imports):
                return self.constant(target, "", whole, depth + 1)
            sub = self.find(module.language, f"{spec}.{name}") if module.language == "python" else None
            if sub is not None and rest:
                return self.constant(sub, "", rest, depth + 1)
            return None
        parts = rest.split(".") if rest else []
        for cut in range(len(parts) - 1, -1, -1):
            holder = self.find(module.language, ".".join([spec, *parts[:cut]])) if cut else target
            if holder is not None and parts[cut:]:
                return self.constant(holder, "", ".".join(parts[cut:]), depth + 1)
        return None

    def values(self, alternatives: tuple[Value, ...] | list[Value], module: Module, cls: str,
               depth: int = 0) -> list[Resolved]:
        out: list[Resolved] = []
        for value in alternatives:
            combos: list[Resolved] = [((), False)]
            for part in value:
                choices: list[Resolved]
                if isinstance(part, Ref):
                    found = self.constant(module, cls, part.name, depth)
                    choices = found if found else [((Hole(part.name),), False)]
                    if found:
                        choices = [(p, True) for p, _ in found]
                else:
                    choices = [((part,), False)]
                combos = [(_join(a, b), ua or ub) for a, ua in combos for b, ub in choices][:8]
            out.extend(combos)
        return out[:8]

    # --- functions -----------------------------------------------------------------------------

    def function(self, module: Module, site: Site) -> tuple[Module, Function] | None:
        """The scanned function or method a call calls, when it can be told from the source."""
        callee = site.callee
        head, _, rest = callee.partition(".")
        if not rest:
            found = module.functions.get(callee)
            if found is not None and not found.cls:
                return module, found
            return self._imported(module, head, "")
        if head in ("self", "this", "cls") and "." not in rest:
            found = module.functions.get(f"{site.cls}.{rest}") if site.cls else None
            return (module, found) if found is not None else None
        if "." in rest:
            return None
        local = module.functions.get(callee)
        if local is not None:
            return module, local  # Class.method in the same module
        return self._imported(module, head, rest)

    def _imported(self, module: Module, head: str, rest: str) -> tuple[Module, Function] | None:
        imported = module.imports.get(head)
        if imported is None:
            return None
        spec, name = imported
        target = self.find(module.language, spec)
        if name == "default" and target is not None:
            name = target.default_export
        if name:
            key = f"{name}.{rest}" if rest else name
            if target is not None and key in target.functions:
                return target, target.functions[key]
            sub = self.find(module.language, f"{spec}.{name}") if module.language == "python" else None
            if sub is not None and rest and rest in sub.functions:
                return sub, sub.functions[rest]
            return None
        if target is not None and rest in target.functions:
            return target, target.functions[rest]
        return None


def _join(a: tuple[Piece, ...], b: tuple[Piece, ...]) -> tuple[Piece, ...]:
    if a and b and isinstance(a[-1], str) and isinstance(b[0], str):
        return (*a[:-1], a[-1] + b[0], *b[1:])
    return (*a, *b)


def _bind(args: tuple[Arg, ...], kwargs: dict[str, Arg], at: int, keyword: str) -> Arg | None:
    if 0 <= at < len(args):
        return args[at]
    if keyword and keyword in kwargs:
        return kwargs[keyword]
    return None


def _has_param(resolved: list[Resolved]) -> bool:
    return any(isinstance(p, Param) for parts, _ in resolved for p in parts)


def classify(parts: tuple[Piece, ...], constant: bool, through_wrapper: bool
             ) -> tuple[str, str, str, str]:
    """(resolved, name, pattern, expression) of one resolved name."""
    if all(isinstance(p, str) for p in parts):
        return ("wrapper" if through_wrapper else "constant" if constant else "literal",
                "".join(parts), "", "")  # type: ignore[arg-type]
    literal = "".join(p for p in parts if isinstance(p, str))
    expression = " + ".join(p.text if isinstance(p, Hole) else p.name if isinstance(p, Param)
                            else repr(p) for p in parts)
    if _WORD.search(literal):
        pattern = ""
        for p in parts:
            pattern += p if isinstance(p, str) else ("" if pattern.endswith("*") else "*")
        return "dynamic", "", pattern, expression
    return "unresolved", "", "", expression


class Resolver:
    def __init__(self, tree: Tree, shapes: dict[str, Shape]) -> None:
        self.tree = tree
        self.shapes = shapes  # by (api) for each language: "python:tracker.emit"
        self.wrappers: dict[tuple[str, str], Wrapper] = {}
        self.calls: list[Call] = []

    def run(self) -> list[Call]:
        pending: list[tuple[Module, Site]] = []
        for module in self.tree.modules:
            for site in module.sites:
                if site.api:
                    self.direct(module, site)
                else:
                    pending.append((module, site))
        # Each call of a wrapper is bound to each emit inside it once; binding may make its own
        # function a wrapper (or give it another inner emit), so repeat until nothing new turns up.
        done: dict[int, int] = {}  # id(site) → inner emits of its wrapper already bound
        targets: dict[int, Wrapper | None] = {}
        for _round in range(MAX_DEPTH):
            names = {key[1].rsplit(".", 1)[-1] for key in self.wrappers}
            grew = False
            for module, site in pending:
                if site.callee.rsplit(".", 1)[-1] not in names:
                    continue
                wrapper = targets.get(id(site))
                if wrapper is None:
                    target = self.tree.function(module, site)
                    wrapper = self.wrappers.get((target[0].path, target[1].name)) if target else None
                    if wrapper is None:
                        continue
                    targets[id(site)] = wrapper
                wrapper.called = True
                start = done.get(id(site), 0)
                done[id(site)] = len(wrapper.inner)
                for inner in wrapper.inner[start:]:
                    grew |= self.through(module, site, wrapper, inner)
            if not grew:
                break
        # A wrapper nobody calls (in the scanned tree) still emits: list its own calls, each
        # parameter standing as an unknown part, so that no call site is dropped.
        for wrapper in self.wrappers.values():
            if not wrapper.called and not self.defines_api(wrapper):
                for inner in wrapper.inner:
                    unknown: list[Resolved] = [
                        (tuple(Hole(p.name) if isinstance(p, Param) else p for p in parts), used)
                        for parts, used in inner.names]
                    self.emit(wrapper.module, inner.site, inner.api, inner.implements, unknown,
                              inner.payload, inner.via, False)
        return self.calls

    def defines_api(self, wrapper: Wrapper) -> bool:
        """Whether the wrapper is an API's own definition (`def track(user_id, event_name, ...)`
        in `.../track/segment.py`): its calls are found as calls of the API, and the call inside
        it is how the API works, not an emit call of a name nobody can tell."""
        own = f"{wrapper.module.key}.{wrapper.function.name}".replace("/", ".")
        return any(own == s.suffix or own.endswith("." + s.suffix)
                   for s in self.shapes.values() if s.language == wrapper.module.language)

    def direct(self, module: Module, site: Site) -> None:
        shape = self.shapes[f"{module.language}:{site.api}"]
        payload_arg = _bind(site.args, site.kwargs, shape.payload_at, shape.payload_kw)
        payload = payload_arg.payload if payload_arg else Payload(complete=True, known=True)
        if shape.name_at < 0:
            self.emit(module, site, shape.api, shape.implements, [(("",), False)], payload, [], True)
            return
        name_arg = _bind(site.args, site.kwargs, shape.name_at, shape.name_kw)
        if name_arg is None:
            names: list[Resolved] = [((Hole("(no name given)"),), False)]
        else:
            names = self.tree.values(name_arg.names, module, site.cls)
        self.found(module, site, shape.api, shape.implements, names, payload, [])

    def found(self, module: Module, site: Site, api: str, implements: str, names: list[Resolved],
              payload: Payload, via: list[str]) -> bool:
        """An emit call (direct or through wrappers) with its names resolved as far as the caller's
        module allows: a wrapper when a name still depends on the enclosing function's parameter,
        else the calls it makes. True when a new wrapper was found."""
        function = module.functions.get(site.function) if site.function else None
        if function is not None and _has_param(names):
            wrapper = self.wrappers.setdefault((module.path, function.name), Wrapper(module, function))
            wrapper.inner.append(Inner(site, names, payload, api, implements, via))
            return True
        self.emit(module, site, api, implements, names, payload, via, False)
        return False

    def through(self, module: Module, site: Site, wrapper: Wrapper, inner: Inner) -> bool:
        params = wrapper.function.params
        bound: dict[str, list[Resolved]] = {}
        missing: set[str] = set()
        for parts, _ in inner.names:
            for p in parts:
                if isinstance(p, Param) and p.name not in bound:
                    at = params.index(p.name) if p.name in params else -1
                    arg = _bind(site.args, site.kwargs, at, p.name)
                    if arg is None:
                        missing.add(p.name)
                        bound[p.name] = [((Hole(f"{p.name} (not passed)"),), False)]
                    else:
                        bound[p.name] = self.tree.values(arg.names, module, site.cls)
        names: list[Resolved] = []
        for parts, constant in inner.names:
            combos: list[Resolved] = [((), constant)]
            for p in parts:
                choices = bound[p.name] if isinstance(p, Param) else [((p,), False)]
                combos = [(_join(a, b), ua or ub) for a, ua in combos for b, ub in choices][:8]
            names.extend(combos)
        payload = inner.payload
        if payload.param:
            at = params.index(payload.param) if payload.param in params else -1
            arg = _bind(site.args, site.kwargs, at, payload.param)
            payload = arg.payload if arg is not None else Payload(complete=True, known=True)
        return self.found(module, site, inner.api, inner.implements, names[:8], payload,
                          [wrapper.function.name, *inner.via])

    def emit(self, module: Module, site: Site, api: str, implements: str, names: list[Resolved],
             payload: Payload, via: list[str], nameless: bool) -> None:
        seen: set[tuple[str, str, str]] = set()
        for parts, constant in names:
            if nameless:
                resolved, name, pattern, expression = "nameless", "", "", ""
            else:
                resolved, name, pattern, expression = classify(parts, constant, bool(via))
            if (name, pattern, expression) in seen:
                continue
            seen.add((name, pattern, expression))
            self.calls.append(Call(
                module.path, site.line, site.column, api, implements, module.language, resolved,
                name, pattern, expression, list(via), list(dict.fromkeys(payload.keys)),
                payload.complete and payload.known))


def resolve(modules: list[Module], shapes: dict[str, Shape]) -> tuple[list[Call], list[Wrapper]]:
    resolver = Resolver(Tree(modules), shapes)
    calls = resolver.run()
    calls.sort(key=lambda c: (c.file, c.line, c.column, c.name, c.pattern))
    return calls, sorted(resolver.wrappers.values(), key=lambda w: (w.module.path, w.function.line))
