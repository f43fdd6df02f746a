"""Read one Python file with `ast`: module constants, imports, functions and the calls that may
emit events. Nothing is run or imported; a file that does not parse is reported, not fatal."""

from __future__ import annotations

import ast
import bisect
import re
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
from .signatures import Matcher, as_bytes

_PERCENT = ("%s", "%d", "%r", "%i")
_TEXT_CALLS = frozenset({"str", "six.text_type", "text_type", "unicode", "force_str", "force_text"})


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
    """What a function body knows: its parameters, the values its locals are assigned, and the
    calls in it, read once the whole body has been seen (a local may be assigned after the call
    in a loop, and the body is walked only once)."""

    def __init__(self, params: set[str], function: str, cls: str) -> None:
        self.params = params
        self.function = function
        self.cls = cls
        self.assigned: dict[str, list[ast.expr]] = {}
        self.extra_keys: dict[str, list[str]] = {}
        self.calls: list[ast.Call] = []

    def assign(self, node: ast.Assign | ast.AnnAssign) -> None:
        if isinstance(node, ast.AnnAssign):
            if isinstance(node.target, ast.Name) and node.value is not None:
                self.assigned.setdefault(node.target.id, []).append(node.value)
            return
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.assigned.setdefault(target.id, []).append(node.value)
            elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) \
                    and isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, str):
                self.extra_keys.setdefault(target.value.id, []).append(target.slice.value)


class _Exit:
    """Marks, on the walk's stack, where a function's or a class's body ends."""

    def __init__(self, scope: _Scope | None, cls: str) -> None:
        self.scope = scope
        self.cls = cls


# statements skipped when no call that may emit starts on their lines (module-level simple ones:
# inside a function every statement is read, its assignments may name what a call emits)
_DEFINITIONS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})
_SIMPLE = frozenset({ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Return, ast.Raise,
                     ast.Assert, ast.Delete})

# nodes that hold no call, function or assignment: never walked into
_LEAVES = (ast.expr_context, ast.operator, ast.cmpop, ast.boolop, ast.unaryop, ast.Constant,
           ast.Name, ast.alias, ast.Pass, ast.Break, ast.Continue, ast.Global, ast.Nonlocal)


class Reader:
    def __init__(self, module: Module, source: bytes, matcher: Matcher,
                 callable_names: frozenset[str] | None = None) -> None:
        self.module = module
        self.callable = callable_names
        self.call_lines = None if callable_names is None else _call_lines(source, callable_names, matcher)
        self.source = source
        self._lines: list[bytes] | None = None
        self.matcher = matcher
        self.scopes: list[_Scope] = []
        self.resolving: set[str] = set()
        self.cls = ""

    # --- expressions as names ----------------------------------------------------------------

    def text(self, node: ast.expr) -> Value:
        """A Hole showing the expression's source (its first line)."""
        if self._lines is None:
            self._lines = self.source.split(b"\n")  # only when some name is not a literal
        lines = self._lines
        line = lines[node.lineno - 1] if 0 < node.lineno <= len(lines) else b""
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
        if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords \
                and _dotted(node.func) in _TEXT_CALLS:
            return self.values(node.args[0])  # str(NAME), six.text_type(NAME): the same name
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
        """One pass over the whole tree with an explicit stack (no recursion limit to hit)."""
        stack: list[ast.AST | _Exit] = list(reversed(body))
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind is _Exit:
                assert isinstance(node, _Exit)
                if node.scope is not None:
                    self.finish(node.scope)
                    self.scopes.pop()
                self.cls = node.cls
                continue
            if self.call_lines is not None and (kind in _DEFINITIONS or (kind in _SIMPLE and not self.scopes)) \
                    and not self.holds_call(node):  # type: ignore[arg-type]
                continue  # no call in it can emit: nothing to read there
            if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                scope = self.define(node)
                stack.append(_Exit(scope, self.cls))
                self.scopes.append(scope)
                stack.extend(reversed(node.body))
                continue
            if kind is ast.ClassDef:
                assert isinstance(node, ast.ClassDef)
                stack.append(_Exit(None, self.cls))
                self.cls = node.name
                stack.extend(reversed(node.body))
                continue
            if kind is ast.Import or kind is ast.ImportFrom:
                assert isinstance(node, (ast.Import, ast.ImportFrom))
                self.imports(node)
                continue
            if kind is ast.Call:
                assert isinstance(node, ast.Call)
                if self.scopes:
                    self.scopes[-1].calls.append(node)
                else:
                    self.call(node, None)
            elif (kind is ast.Assign or kind is ast.AnnAssign) and self.scopes:
                assert isinstance(node, (ast.Assign, ast.AnnAssign))
                self.scopes[-1].assign(node)
            for name in node._fields:  # type: ignore[union-attr]
                value = getattr(node, name, None)
                if type(value) is list:
                    stack.extend(v for v in reversed(value) if not isinstance(v, _LEAVES))
                elif isinstance(value, ast.AST) and not isinstance(value, _LEAVES):
                    stack.append(value)

    def holds_call(self, node: ast.stmt) -> bool:
        """Whether a call of a name that may emit starts on one of the statement's lines."""
        lines = self.call_lines
        assert lines is not None
        first = node.lineno
        for decorator in getattr(node, "decorator_list", ()):
            first = min(first, decorator.lineno)
        at = bisect.bisect_left(lines, first)
        return at < len(lines) and lines[at] <= (node.end_lineno or node.lineno)

    def define(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> _Scope:
        args = node.args
        positional = [a.arg for a in (*args.posonlyargs, *args.args)]
        static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
        method = bool(self.cls) and not self.scopes
        if method and not static and positional:
            positional = positional[1:]  # self or cls: callers do not pass it
        every = {*positional, *(a.arg for a in args.kwonlyargs)}
        name = f"{self.cls}.{node.name}" if method else node.name
        self.module.functions.setdefault(name, Function(name, tuple(positional), node.lineno,
                                                       self.cls if method else ""))
        return _Scope(every, name, self.cls)

    def finish(self, scope: _Scope) -> None:
        for call in scope.calls:
            self.call(call, scope)

    def call(self, node: ast.Call, scope: _Scope | None) -> None:
        callee = _dotted(node.func)
        if not callee:
            return
        shape = self.matcher.match(callee, self.expand(callee))
        if shape is None and (not (node.args or node.keywords) or (self.callable is not None
                              and callee.rsplit(".", 1)[-1] not in self.callable)):
            return  # no function of the scanned tree has that name: it cannot be a wrapper
        args = tuple(self.arg(a) for a in node.args)
        kwargs = {k.arg: self.arg(k.value) for k in node.keywords if k.arg}
        if shape is None and not any(_useful(a) for a in (*args, *kwargs.values())):
            return  # no argument could carry a name: not worth keeping
        self.module.sites.append(Site(node.lineno, node.col_offset + 1, callee,
                                      shape.api if shape else "", args, kwargs,
                                      scope.function if scope else "", scope.cls if scope else ""))

    def expand(self, callee: str) -> str:
        head, _, rest = callee.partition(".")
        imported = self.module.imports.get(head)
        if imported is None:
            return callee
        module, name = imported
        full = f"{module}.{name}" if name else module
        return f"{full}.{rest}" if rest else full


_CALL = re.compile(rb"(\w+)\s*\(")
_DEF = re.compile(rb"def\s+(\w+)\s*\(")
_NEWLINE = re.compile(rb"\n")


def _call_lines(source: bytes, callable_names: frozenset[str], matcher: Matcher) -> list[int]:
    """The lines (sorted) on which a call of an API's or a scanned function's name starts. Found
    in the text, so that functions and classes with none are never walked; a name in a string or
    comment only makes the walk look at a little more. (`def name(` is a definition, not a call.)"""
    names = set(_CALL.findall(source)) & as_bytes(callable_names)
    if not names:
        return []
    for name in names & set(_DEF.findall(source)):  # defined here: is it called here too?
        if source.count(name + b"(") <= source.count(b"def " + name + b"("):
            names.discard(name)
    if not names:
        return []
    offsets = []
    for name in names:  # every occurrence of the name: a few too many is harmless
        at = source.find(name)
        while at >= 0:
            offsets.append(at)
            at = source.find(name, at + len(name))
    starts = [0]
    starts += (m.end() for m in _NEWLINE.finditer(source))
    return sorted({bisect.bisect_right(starts, offset) for offset in offsets})


def _useful(arg: Arg) -> bool:
    return any(not isinstance(p, Hole) for v in arg.names for p in v) or bool(arg.payload.param)


def read(path: str, relative_key: str, source: bytes, matcher: Matcher,
         callable_names: frozenset[str] | None = None) -> Module:
    """`callable_names`, when given, are the names of every function of the scanned tree and the
    last names of the APIs: a call of any other name cannot reach an emit call, so it is not kept."""
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
        Reader(module, source, matcher, callable_names).run(tree)
    except RecursionError:
        module.error = "0:0: too deeply nested to read"
    return module
