"""Read one Python file with `ast`: module constants, imports, functions and the calls that may
emit events. Nothing is run or imported; a file that does not parse is reported, not fatal."""

from __future__ import annotations

import ast
import string

from .facts import (
    MAX_ALTERNATIVES,
    NO_PAYLOAD,
    Arg,
    Function,
    Hole,
    Module,
    Param,
    Payload,
    Ref,
    Site,
    Value,
    concat,
    hole,
)
from .signatures import Matcher

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_PERCENT = ("%s", "%d", "%r", "%i")


def module_key(relative: str) -> str:
    """'common/djangoapps/track/segment.py' → 'common.djangoapps.track.segment'."""
    key = relative[:-3] if relative.endswith(".py") else relative
    key = key.replace("/", ".")
    return key[: -len(".__init__")] if key.endswith(".__init__") else key


def _dotted(node: ast.expr) -> str:
    """'a.b.c' for a chain of names, else ''."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


class _Scope:
    """What a function body knows: its parameters, and the values its locals are assigned."""

    def __init__(self, params: set[str], body: list[ast.stmt]) -> None:
        self.params = params
        self.assigned: dict[str, list[ast.expr]] = {}
        self.extra_keys: dict[str, list[str]] = {}
        stack: list[ast.AST] = list(body)
        while stack:
            node = stack.pop()
            if isinstance(node, (*_FUNCTIONS, ast.ClassDef, ast.Lambda)):
                continue
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.assigned.setdefault(target.id, []).append(node.value)
                    elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) \
                            and isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, str):
                        self.extra_keys.setdefault(target.value.id, []).append(target.slice.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
                self.assigned.setdefault(node.target.id, []).append(node.value)
            stack.extend(ast.iter_child_nodes(node))


class Reader:
    def __init__(self, module: Module, source: bytes, matcher: Matcher) -> None:
        self.module = module
        self.lines = source.split(b"\n")
        self.matcher = matcher
        self.scopes: list[_Scope] = []
        self.resolving: set[str] = set()
        self.function = ""
        self.cls = ""

    # --- expressions as names ----------------------------------------------------------------

    def text(self, node: ast.expr) -> Value:
        """A Hole showing the expression's source (its first line)."""
        line = self.lines[node.lineno - 1] if 0 < node.lineno <= len(self.lines) else b""
        end = node.end_col_offset if node.end_lineno == node.lineno else None
        return hole(line[node.col_offset:end].decode("utf-8", "replace"))

    def values(self, node: ast.expr) -> list[Value]:
        if isinstance(node, ast.Constant):
            return [(node.value,)] if isinstance(node.value, str) else [self.text(node)]
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            return [(Ref(dotted),)] if dotted else [self.text(node)]
        if isinstance(node, ast.JoinedStr):
            out: list[Value] = [("",)]
            for part in node.values:
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    out = concat(out, [(part.value,)])
                elif isinstance(part, ast.FormattedValue):
                    out = concat(out, self.values(part.value))
            return out
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Add):
                return concat(self.values(node.left), self.values(node.right))
            if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) \
                    and isinstance(node.left.value, str):
                args = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
                return self.percent(node.left.value, args)
        if isinstance(node, ast.IfExp):
            return (self.values(node.body) + self.values(node.orelse))[:MAX_ALTERNATIVES]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str):
            if node.func.attr == "format":
                return self.format(node.func.value.value, node)
            if node.func.attr == "join" and len(node.args) == 1 and isinstance(node.args[0], (ast.List, ast.Tuple)):
                out = [("",)]
                for index, item in enumerate(node.args[0].elts):
                    if index:
                        out = concat(out, [(node.func.value.value,)])
                    out = concat(out, self.values(item))
                return out
        return [self.text(node)]

    def name(self, node: ast.Name) -> list[Value]:
        scope = self.scopes[-1] if self.scopes else None
        if scope is not None:
            if node.id in scope.params:
                return [(Param(node.id),)]
            assigned = scope.assigned.get(node.id)
            if assigned and node.id not in self.resolving:
                self.resolving.add(node.id)
                try:
                    out: list[Value] = []
                    for value in assigned:
                        out.extend(self.values(value))
                    return out[:MAX_ALTERNATIVES]
                finally:
                    self.resolving.discard(node.id)
            if assigned:
                return [self.text(node)]
        return [(Ref(node.id),)]

    def percent(self, template: str, args: list[ast.expr]) -> list[Value]:
        pieces = template
        for marker in _PERCENT:
            pieces = pieces.replace(marker, "\0")
        chunks = pieces.split("\0")
        out: list[Value] = [(chunks[0],)]
        for index, chunk in enumerate(chunks[1:]):
            out = concat(out, self.values(args[index]) if index < len(args) else [(Hole("%s"),)])
            out = concat(out, [(chunk,)])
        return out

    def format(self, template: str, call: ast.Call) -> list[Value]:
        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        out: list[Value] = [("",)]
        auto = 0
        try:
            parsed = list(string.Formatter().parse(template))
        except ValueError:
            return [self.text(call)]
        for literal, field_name, _spec, _conversion in parsed:
            out = concat(out, [(literal,)])
            if field_name is None:
                continue
            head = field_name.split(".", 1)[0].split("[", 1)[0]
            arg: ast.expr | None
            if head == "":
                arg = call.args[auto] if auto < len(call.args) else None
                auto += 1
            elif head.isdigit():
                arg = call.args[int(head)] if int(head) < len(call.args) else None
            else:
                arg = keywords.get(head)
            exact = arg is not None and head == field_name
            out = concat(out, self.values(arg) if exact and arg is not None else [(Hole("{" + field_name + "}"),)])
        return out

    # --- expressions as payloads -------------------------------------------------------------

    def payload(self, node: ast.expr) -> Payload:
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
            return Payload(tuple(keys), len(keys) == len(node.keys), known=True)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" \
                and not node.args:
            keys = [k.arg for k in node.keywords if k.arg]
            return Payload(tuple(keys), len(keys) == len(node.keywords), known=True)
        if isinstance(node, ast.Name) and self.scopes:
            scope = self.scopes[-1]
            if node.id in scope.params:
                return Payload(param=node.id)
            assigned = scope.assigned.get(node.id)
            if assigned and len(assigned) == 1 and node.id not in self.resolving:
                self.resolving.add(node.id)
                try:
                    found = self.payload(assigned[0])
                finally:
                    self.resolving.discard(node.id)
                extra = tuple(scope.extra_keys.get(node.id, ()))
                if found.known and extra:
                    found = Payload(found.keys + tuple(k for k in extra if k not in found.keys),
                                    found.complete, known=True)
                return found
        return NO_PAYLOAD

    def arg(self, node: ast.expr) -> Arg:
        if isinstance(node, ast.Starred):
            return Arg((self.text(node),), NO_PAYLOAD)
        return Arg(tuple(self.values(node)), self.payload(node))

    # --- statements ----------------------------------------------------------------------------

    def run(self, tree: ast.Module) -> None:
        for node in tree.body:
            self.top(node)
        self.walk(tree.body)

    def top(self, node: ast.stmt) -> None:
        """Module-level facts: imports, constants, classes' constants."""
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            self.constant(node, "")
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.Assign, ast.AnnAssign)):
                    self.constant(item, node.name + ".")
        elif isinstance(node, (ast.If, ast.Try)):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    self.top(child)

    def imports(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.module.imports[alias.asname] = (alias.name, "")
                else:
                    self.module.imports[alias.name.split(".", 1)[0]] = (alias.name.split(".", 1)[0], "")
            return
        base = node.module or ""
        if node.level:
            package = self.module.key.split(".")
            if not self.module.path.endswith("__init__.py"):
                package = package[:-1]
            package = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            base = ".".join([*package, *([base] if base else [])])
        for alias in node.names:
            if alias.name != "*":
                self.module.imports[alias.asname or alias.name] = (base, alias.name)

    def constant(self, node: ast.Assign | ast.AnnAssign, prefix: str) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if node.value is None:
            return
        value = node.value
        for target in targets:
            if isinstance(target, ast.Name):
                if isinstance(value, ast.Dict):
                    for key, item in zip(value.keys, value.values, strict=True):
                        if isinstance(key, ast.Constant) and isinstance(key.value, str):
                            self.keep(f"{prefix}{target.id}.{key.value}", item)
                else:
                    self.keep(prefix + target.id, value)

    def keep(self, name: str, node: ast.expr) -> None:
        found = self.values(node)
        if any(not isinstance(p, Hole) for v in found for p in v):
            self.module.constants[name] = found

    def walk(self, body: list[ast.stmt]) -> None:
        stack: list[ast.AST] = list(reversed(body))
        while stack:
            node = stack.pop()
            if isinstance(node, _FUNCTIONS):
                self.define(node)
                continue
            if isinstance(node, ast.ClassDef):
                outer, self.cls = self.cls, node.name
                self.walk(node.body)
                self.cls = outer
                continue
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self.imports(node)
                continue
            if isinstance(node, ast.Call):
                self.call(node)
            stack.extend(reversed(list(ast.iter_child_nodes(node))))

    def define(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        args = node.args
        positional = [a.arg for a in (*args.posonlyargs, *args.args)]
        static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
        method = bool(self.cls) and not self.function
        if method and not static and positional:
            positional = positional[1:]  # self or cls: callers do not pass it
        every = {*positional, *(a.arg for a in args.kwonlyargs)}
        name = f"{self.cls}.{node.name}" if method else node.name
        self.module.functions.setdefault(name, Function(name, tuple(positional), node.lineno,
                                                       self.cls if method else ""))
        outer = self.function
        self.function = name
        self.scopes.append(_Scope(every, node.body))
        try:
            self.walk(node.body)
        finally:
            self.scopes.pop()
            self.function = outer

    def call(self, node: ast.Call) -> None:
        callee = _dotted(node.func)
        if not callee:
            return
        shape = self.matcher.match(callee, self.expand(callee))
        if shape is None and not (node.args or node.keywords):
            return
        args = tuple(self.arg(a) for a in node.args)
        kwargs = {k.arg: self.arg(k.value) for k in node.keywords if k.arg}
        if shape is None and not any(_useful(a) for a in (*args, *kwargs.values())):
            return  # no argument could carry a name: not worth keeping
        self.module.sites.append(Site(node.lineno, node.col_offset + 1, callee,
                                      shape.api if shape else "", args, kwargs, self.function,
                                      self.cls))

    def expand(self, callee: str) -> str:
        head, _, rest = callee.partition(".")
        imported = self.module.imports.get(head)
        if imported is None:
            return callee
        module, name = imported
        full = f"{module}.{name}" if name else module
        return f"{full}.{rest}" if rest else full


def _useful(arg: Arg) -> bool:
    return any(not isinstance(p, Hole) for v in arg.names for p in v) or bool(arg.payload.param)


def read(path: str, relative_key: str, source: bytes, matcher: Matcher) -> Module:
    module = Module(path, "python", module_key(relative_key))
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as error:
        module.error = f"{error.lineno or 0}:{error.offset or 0}: {error.msg}"
        return module
    except (ValueError, RecursionError, MemoryError) as error:
        module.error = f"0:0: {error}"
        return module
    try:
        Reader(module, source, matcher).run(tree)
    except RecursionError:
        module.error = "0:0: too deeply nested to read"
    return module
