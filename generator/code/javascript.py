"""Read one JavaScript, JSX, TypeScript or TSX file with tree-sitter: module constants, imports,
the functions that hold calls, and the calls that may emit events.

tree-sitter finds the calls and imports (a query runs in C); only those nodes, and the few their
arguments point to, are looked at from Python, which keeps a large tree fast to scan. The parser
recovers from syntax errors: the first one is reported and the rest of the file is still read."""

from __future__ import annotations

import posixpath
import re
from typing import Any

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

SUFFIXES = {".js": "javascript", ".jsx": "javascript", ".mjs": "javascript", ".cjs": "javascript",
            ".ts": "typescript", ".tsx": "tsx", ".mts": "typescript", ".cts": "typescript"}
_FUNCTION_TYPES = {"function_declaration", "function_expression", "arrow_function",
                   "method_definition", "generator_function_declaration", "generator_function",
                   "function"}
_WRAPPERS = {"parenthesized_expression", "as_expression", "satisfies_expression",
             "non_null_expression", "type_assertion"}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}

_grammars: dict[str, Any] = {}


def _grammar(dialect: str) -> tuple[Any, Any, Any]:
    """The parser, the query for everything and the one for imports only, made once per process."""
    if dialect not in _grammars:
        import tree_sitter
        if dialect == "javascript":
            import tree_sitter_javascript
            language = tree_sitter.Language(tree_sitter_javascript.language())
        else:
            import tree_sitter_typescript
            language = tree_sitter.Language(tree_sitter_typescript.language_tsx() if dialect == "tsx"
                                            else tree_sitter_typescript.language_typescript())
        classes = " ".join(f"({t})" for t in ("class_declaration", "class", "abstract_class_declaration")
                           if language.id_for_node_kind(t, True))
        field = "field_definition property" if dialect == "javascript" else "public_field_definition name"
        functions = " ".join(f"({t})" for t in sorted(_FUNCTION_TYPES)
                             if language.id_for_node_kind(t, True))
        query = tree_sitter.Query(language, f"""
            (call_expression) @call
            (import_statement) @import
            [{functions}] @function
            [{classes}] @class
            (variable_declarator name: (identifier) @holder value: [{functions}])
            (pair key: (_) @holder value: [{functions}])
            ({field}: (_) @holder value: [{functions}])
        """)
        imports = tree_sitter.Query(language, "(import_statement) @import")
        _grammars[dialect] = (tree_sitter.Parser(language), tree_sitter.QueryCursor(query),
                              tree_sitter.QueryCursor(imports))
    return _grammars[dialect]


def module_key(relative: str) -> str:
    """'src/tracking/index.js' → 'src/tracking'; 'src/a/b.tsx' → 'src/a/b'."""
    stem, _ = posixpath.splitext(relative)
    return stem[: -len("/index")] if stem.endswith("/index") else stem


def _text(node: Any) -> str:
    return node.text.decode("utf-8", "replace")


def _unwrap(node: Any) -> Any:
    while node is not None and node.type in _WRAPPERS and node.named_child_count:
        node = node.named_children[0]
    return node


def _dotted(node: Any) -> str:
    """'a.b.c' (with 'this') for a chain of member accesses, else ''."""
    parts = []
    node = _unwrap(node)
    while node is not None and node.type == "member_expression":
        prop = node.child_by_field_name("property")
        if prop is None or prop.type not in ("property_identifier", "private_property_identifier"):
            return ""
        parts.append(_text(prop))
        node = _unwrap(node.child_by_field_name("object"))
    if node is not None and node.type in ("identifier", "this"):
        parts.append(_text(node))
        return ".".join(reversed(parts))
    return ""


def _string(node: Any) -> str:
    out = []
    for child in node.children:
        if child.type == "string_fragment":
            out.append(_text(child))
        elif child.type == "escape_sequence":
            out.append(_unescape(_text(child)))
    return "".join(out)


def _unescape(sequence: str) -> str:
    body = sequence[1:]
    if body[:1] == "u" and len(body) >= 5:
        try:
            return chr(int(body[1:].strip("{}"), 16))
        except ValueError:
            return body
    if body[:1] == "x" and len(body) == 3:
        try:
            return chr(int(body[1:], 16))
        except ValueError:
            return body
    return _ESCAPES.get(body, body)


def _key(node: Any) -> str | None:
    if node.type in ("property_identifier", "identifier"):
        return _text(node)
    if node.type == "string":
        return _string(node)
    if node.type == "number":
        return _text(node)
    return None


class _Scope:
    """A function: its name, parameters and (read when first needed) what its locals hold."""

    def __init__(self, node: Any, name: str, cls: str) -> None:
        self.node = node
        self.name = name
        self.cls = cls
        self.params: tuple[str, ...] = ()
        params = node.child_by_field_name("parameters") or node.child_by_field_name("parameter")
        if params is not None:
            self.params = tuple(_param_names(params))
        self._locals: dict[str, list[Any]] | None = None

    def locals(self) -> dict[str, list[Any]]:
        if self._locals is None:
            self._locals = {}
            body = self.node.child_by_field_name("body")
            stack = [body] if body is not None else []
            while stack:
                node = stack.pop()
                if node.type == "variable_declarator":
                    name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
                    if name is not None and value is not None and name.type == "identifier":
                        self._locals.setdefault(_text(name), []).append(value)
                elif node.type == "assignment_expression":
                    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
                    if left is not None and right is not None and left.type == "identifier":
                        self._locals.setdefault(_text(left), []).append(right)
                if node.type in _FUNCTION_TYPES and node is not body:
                    continue
                stack.extend(node.named_children)
        return self._locals


def _param_names(params: Any) -> list[str]:
    if params.type == "identifier":
        return [_text(params)]
    names = []
    for child in params.named_children:
        node = child
        if node.type in ("required_parameter", "optional_parameter"):
            node = node.child_by_field_name("pattern")
        if node is not None and node.type == "assignment_pattern":
            node = node.child_by_field_name("left")
        names.append(_text(node) if node is not None and node.type == "identifier" else "")
    return names


class Reader:
    def __init__(self, module: Module, matcher: Matcher, relative: str,
                 callable_names: frozenset[str] | None = None) -> None:
        self.module = module
        self.callable = callable_names
        self.folder = posixpath.dirname(relative)
        self.matcher = matcher
        self.scopes: dict[int, list[Any]] = {}  # by call node id: see enclose
        self.resolving: set[int] = set()

    # --- module level --------------------------------------------------------------------------

    def top(self, root: Any) -> None:
        for statement in root.named_children:
            node = statement
            if node.type == "export_statement":
                declaration = node.child_by_field_name("declaration")
                value = node.child_by_field_name("value")
                if declaration is not None:
                    node = declaration
                elif value is not None:
                    value = _unwrap(value)
                    if value.type == "identifier":
                        self.module.default_export = _text(value)
                    elif value.type in _FUNCTION_TYPES or value.type == "class":
                        named = value.child_by_field_name("name")
                        self.module.default_export = _text(named) if named is not None else ""
                    continue
                else:
                    continue
                if any(c.type == "default" for c in statement.children):
                    named = node.child_by_field_name("name")
                    if named is not None:
                        self.module.default_export = _text(named)
            if node.type in ("lexical_declaration", "variable_declaration"):
                for declarator in node.named_children:
                    if declarator.type == "variable_declarator":
                        name, value = declarator.child_by_field_name("name"), declarator.child_by_field_name("value")
                        if name is not None and value is not None and name.type == "identifier":
                            self.constant(_text(name), value)
            elif node.type in ("class_declaration", "class", "abstract_class_declaration"):
                self.class_constants(node)

    def constant(self, name: str, node: Any, depth: int = 0) -> None:
        node = _unwrap(node)
        if node.type == "call_expression" and _dotted(node.child_by_field_name("function")) == "Object.freeze":
            args = node.child_by_field_name("arguments")
            if args is not None and args.named_child_count:
                node = _unwrap(args.named_children[0])
        if node.type == "object" and depth < 4:
            for pair in node.named_children:
                if pair.type == "pair":
                    key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
                    text = _key(key) if key is not None else None
                    if text is not None and value is not None:
                        self.constant(f"{name}.{text}", value, depth + 1)
            return
        if node.type in _FUNCTION_TYPES or node.type in ("class", "object", "array"):
            return
        found = self.values(node, None)
        if any(not isinstance(p, Hole) for v in found for p in v):
            self.module.constants[name] = found

    def class_constants(self, node: Any) -> None:
        name, body = node.child_by_field_name("name"), node.child_by_field_name("body")
        if name is None or body is None:
            return
        for member in body.named_children:
            if member.type in ("field_definition", "public_field_definition"):
                key = member.child_by_field_name("property") or member.child_by_field_name("name")
                value = member.child_by_field_name("value")
                if key is not None and value is not None and value.type not in _FUNCTION_TYPES:
                    self.constant(f"{_text(name)}.{_text(key)}", value)

    def imports(self, node: Any) -> None:
        source = node.child_by_field_name("source")
        if source is None:
            return
        spec = _string(source)
        if spec.startswith("."):
            spec = posixpath.normpath(posixpath.join(self.folder, spec))
            suffix = posixpath.splitext(spec)[1]
            spec = module_key(spec if suffix in SUFFIXES else spec + ".js")
        for clause in node.named_children:
            if clause.type != "import_clause":
                continue
            for part in clause.named_children:
                if part.type == "identifier":
                    self.module.imports[_text(part)] = (spec, "default")
                elif part.type == "namespace_import":
                    for ident in part.named_children:
                        self.module.imports[_text(ident)] = (spec, "")
                elif part.type == "named_imports":
                    for item in part.named_children:
                        if item.type == "import_specifier":
                            name, alias = item.child_by_field_name("name"), item.child_by_field_name("alias")
                            if name is not None:
                                self.module.imports[_text(alias or name)] = (spec, _text(name))

    # --- scopes --------------------------------------------------------------------------------

    def enclose(self, captures: dict[str, list[Any]]) -> dict[int, list[Any]]:
        """For each call (by node id), the innermost function around it, found by one sweep over
        the captured nodes in source order: tree-sitter's Node.parent walks down from the root
        each time, which costs the square of the depth on deeply nested code."""
        holders = {}
        for node in captures.get("holder", ()):
            value = node.next_named_sibling
            while value is not None and value.type not in _FUNCTION_TYPES:
                value = value.next_named_sibling
            if value is not None:
                holders[value.id] = node
        items = [(n.start_byte, -n.end_byte, 0, n) for n in captures.get("class", ())]
        items += [(n.start_byte, -n.end_byte, 1, n) for n in captures.get("function", ())]
        items += [(n.start_byte, -n.end_byte, 2, n) for n in captures.get("call", ())]
        items.sort(key=lambda item: item[:3])
        stack: list[tuple[int, Any, Any]] = []  # (kind, node, class name or [holder, class, scope])
        scopes: dict[int, list[Any]] = {}
        for start, _neg_end, kind, node in items:
            while stack and stack[-1][1].end_byte <= start:
                stack.pop()
            if kind == 0:
                named = node.child_by_field_name("name")
                stack.append((0, node, _text(named) if named is not None else ""))
            elif kind == 1:
                cls = stack[-1][2] if stack and stack[-1][0] == 0 else ""
                # [function, holder, class, scope]: the scope is made for functions with calls kept
                stack.append((1, node, [node, holders.get(node.id), cls, None]))
            else:
                inner = next((item for item in reversed(stack) if item[0] == 1), None)
                if inner is not None:
                    scopes[node.id] = inner[2]
        return scopes

    def define(self, node: Any, holder: Any, cls: str) -> _Scope:
        """A function's scope, named as callers name it: `f`, `Class.method`, `Class.field`."""
        own = node.child_by_field_name("name")
        name = ""
        if node.type == "method_definition" and own is not None and node.parent is not None \
                and node.parent.type == "object":
            cls = _object_name(node.parent)  # { log(name) { ... } }
            name = f"{cls}.{_text(own)}" if cls else ""
        elif holder is not None and holder.parent is not None and holder.parent.type == "pair":
            cls = _object_name(holder.parent.parent)  # Plugin.prototype = { log: function (...) }
            name = f"{cls}.{_key(holder) or ''}" if cls else ""
        elif node.type == "method_definition" and own is not None:
            name = f"{cls}.{_text(own)}" if cls else ""
        elif own is not None and node.type != "method_definition":
            name, cls = _text(own), ""
        elif holder is not None:
            field = holder.parent is not None and holder.parent.type in ("field_definition",
                                                                          "public_field_definition")
            name = f"{cls}.{_text(holder)}" if field and cls else "" if field else _text(holder)
            cls = cls if field else ""
        scope = _Scope(node, name, cls)
        if name and name not in self.module.functions:
            self.module.functions[name] = Function(name, scope.params, node.start_point[0] + 1, cls)
        return scope

    # --- expressions ---------------------------------------------------------------------------

    def values(self, node: Any, scope: _Scope | None) -> list[Value]:
        node = _unwrap(node)
        kind = node.type
        if kind == "string":
            return [(_string(node),)]
        if kind == "template_string":
            out: list[Value] = [("",)]
            for child in node.children:
                if child.type == "string_fragment":
                    out = concat(out, [(_text(child),)])
                elif child.type == "escape_sequence":
                    out = concat(out, [(_unescape(_text(child)),)])
                elif child.type == "template_substitution":
                    inner = child.named_children
                    out = concat(out, self.values(inner[0], scope) if inner else [hole(_text(child))])
            return out
        if kind == "identifier":
            return self.name(node, scope)
        if kind == "member_expression":
            dotted = _dotted(node)
            return [(Ref(dotted),)] if dotted else [hole(_text(node))]
        if kind == "binary_expression":
            operator = node.child_by_field_name("operator")
            if operator is not None and operator.type == "+":
                return concat(self.values(node.child_by_field_name("left"), scope),
                              self.values(node.child_by_field_name("right"), scope))
        if kind == "ternary_expression":
            return (self.values(node.child_by_field_name("consequence"), scope)
                    + self.values(node.child_by_field_name("alternative"), scope))[:MAX_ALTERNATIVES]
        if kind == "call_expression":
            function = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            if function is not None and function.type == "identifier" and _text(function) == "String" \
                    and args is not None and args.named_child_count == 1:
                return self.values(args.named_children[0], scope)  # String(NAME): the same name
            if function is not None and function.type == "member_expression" and args is not None:
                prop = function.child_by_field_name("property")
                target = _unwrap(function.child_by_field_name("object"))
                items = [a for a in args.named_children if a.type != "comment"]
                if prop is not None and _text(prop) == "join" and target is not None \
                        and target.type == "array" and len(items) == 1 and items[0].type == "string":
                    separator = _string(items[0])
                    out = [("",)]
                    for index, item in enumerate(c for c in target.named_children if c.type != "comment"):
                        if index:
                            out = concat(out, [(separator,)])
                        out = concat(out, self.values(item, scope))
                    return out
        return [hole(_text(node).split("\n", 1)[0])]

    def name(self, node: Any, scope: _Scope | None) -> list[Value]:
        text = _text(node)
        if scope is not None:
            if text in scope.params:
                return [(Param(text),)]
            assigned = scope.locals().get(text)
            if assigned:
                if node.id in self.resolving:
                    return [hole(text)]
                self.resolving.add(node.id)
                try:
                    out: list[Value] = []
                    for value in assigned:
                        out.extend(self.values(value, scope))
                    return out[:MAX_ALTERNATIVES]
                finally:
                    self.resolving.discard(node.id)
        if text == "undefined":
            return [hole(text)]
        return [(Ref(text),)]

    def payload(self, node: Any, scope: _Scope | None) -> Payload:
        node = _unwrap(node)
        if node.type == "object":
            keys, complete = [], True
            for item in node.named_children:
                if item.type == "pair":
                    key = item.child_by_field_name("key")
                    text = _key(key) if key is not None else None
                    if text is None:
                        complete = False
                    else:
                        keys.append(text)
                elif item.type == "shorthand_property_identifier":
                    keys.append(_text(item))
                elif item.type == "method_definition":
                    name = item.child_by_field_name("name")
                    if name is not None:
                        keys.append(_text(name))
                elif item.type != "comment":
                    complete = False  # a spread
            return Payload(tuple(keys), complete, known=True)
        if node.type == "identifier" and scope is not None:
            text = _text(node)
            if text in scope.params:
                return Payload(param=text)
            assigned = scope.locals().get(text)
            if assigned and len(assigned) == 1 and node.id not in self.resolving:
                self.resolving.add(node.id)
                try:
                    return self.payload(assigned[0], scope)
                finally:
                    self.resolving.discard(node.id)
        return NO_PAYLOAD

    # --- calls ---------------------------------------------------------------------------------

    def call(self, node: Any) -> None:
        callee = _dotted(node.child_by_field_name("function"))
        arguments = node.child_by_field_name("arguments")
        if not callee or arguments is None or arguments.type != "arguments":
            return
        shape = self.matcher.match(callee, self.expand(callee))
        if shape is None and self.callable is not None and callee.rsplit(".", 1)[-1] not in self.callable:
            return  # no function of the scanned tree has that name: it cannot be a wrapper
        items = [a for a in arguments.named_children if a.type != "comment"]
        if shape is None and not items:
            return
        entry = self.scopes.get(node.id)
        scope = None
        if entry is not None:
            if entry[3] is None:
                entry[3] = self.define(entry[0], entry[1], entry[2])
            scope = entry[3]
        args = tuple(Arg(tuple(self.values(a, scope)), self.payload(a, scope)) for a in items)
        if shape is None and not any(_useful(a) for a in args):
            return
        line, column = node.start_point
        self.module.sites.append(Site(line + 1, column + 1, callee, shape.api if shape else "", args,
                                      {}, scope.name if scope else "", scope.cls if scope else ""))

    def expand(self, callee: str) -> str:
        head, _, rest = callee.partition(".")
        imported = self.module.imports.get(head)
        if imported is None:
            return callee
        spec, name = imported
        full = f"{spec}.{name}" if name and name != "default" else spec
        return f"{full}.{rest}" if rest else full


def _object_name(node: Any) -> str:
    """The name an object literal of methods goes by, as `this.method()` calls inside it see it:
    `var View = {...}`, `Plugin.prototype = {...}`, `var View = Backbone.View.extend({...})`."""
    holder = node.parent if node is not None else None
    while holder is not None and holder.type in (*_WRAPPERS, "arguments", "call_expression"):
        holder = holder.parent
    if holder is None:
        return ""
    if holder.type == "variable_declarator":
        name = holder.child_by_field_name("name")
        return _text(name) if name is not None and name.type == "identifier" else ""
    if holder.type == "assignment_expression":
        dotted = _dotted(holder.child_by_field_name("left"))
        return dotted[: -len(".prototype")] if dotted.endswith(".prototype") else dotted
    if holder.type == "pair":
        key = holder.child_by_field_name("key")
        return (_key(key) or "") if key is not None else ""
    return ""


# a name followed by "(": a call, or a definition (`function name(` is left out; a method's
# `name(args) {` is not, which only makes a file look worth reading)
_CALL = re.compile(rb"(?<![\w$.])(?<!function )([A-Za-z_$][\w$]*)\s*\(|\.([A-Za-z_$][\w$]*)\s*\(")


def _useful(arg: Arg) -> bool:
    return any(not isinstance(p, Hole) for v in arg.names for p in v) or bool(arg.payload.param)


def _first_error(node: Any) -> Any:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.is_error or current.is_missing:
            return current
        if current.has_error:
            stack.extend(reversed(current.children))
    return None


def read(path: str, relative: str, source: bytes, matcher: Matcher, dialect: str,
         callable_names: frozenset[str] | None = None) -> Module:
    module = Module(path, "javascript", module_key(relative))
    parser, cursor, imports_only = _grammar(dialect)
    tree = parser.parse(source)
    root = tree.root_node
    if root.has_error:
        bad = _first_error(root)
        if bad is not None:
            line, column = bad.start_point
            what = f"missing {bad.type}" if bad.is_missing else "syntax error"
            module.error = f"{line + 1}:{column + 1}: {what} (the rest of the file was still read)"
    reader = Reader(module, matcher, relative, callable_names)
    if callable_names is not None and not {a or b for a, b in _CALL.findall(source)} & as_bytes(callable_names):
        cursor = imports_only  # no call here can emit: only what other files may import
    captures = cursor.captures(root)
    try:
        for node in captures.get("import", ()):
            reader.imports(node)
        reader.top(root)
        reader.scopes = reader.enclose(captures)
        for node in sorted(captures.get("call", ()), key=lambda n: n.start_byte):
            reader.call(node)
    except RecursionError:
        module.error = module.error or "0:0: too deeply nested to read"
    return module
