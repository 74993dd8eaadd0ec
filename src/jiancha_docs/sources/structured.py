"""YAML and JSON input: records as the text the user typed, with bounded alias expansion.

A value reaches its field as written. YAML's own typing would change official text without a
word — ``联系电话: 01234567`` is the octal number 342391 to a YAML 1.1 loader, ``12:30`` is 750
(base 60), ``2024-13-01`` is a crash — so scalars are loaded as strings (PyYAML's base loader,
with null kept as empty) and the field's own type parses them, with errors that name the record
and the field. JSON numbers likewise stay their text; NaN and Infinity become a ``BadValue``.

Anchors and aliases are allowed but their expansion is bounded in size and depth, so a "billion
laughs" file is an error at once instead of exhausting memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import Location, SourceError, os_reason
from ..kinds.fields import BadValue
from .model import RawRecord, ReadOptions, Source, header_text, is_empty, preview, replay

# Bounds on what a YAML document may expand to through aliases: nodes, and nesting depth.
MAX_YAML_NODES = 200_000
MAX_YAML_DEPTH = 64


class YamlProblem(ValueError):
    """A YAML text that cannot be loaded; ``message`` is Chinese, ``line`` 1-based if known."""

    def __init__(
        self, message: str, line: int | None = None, column: int | None = None, hint: str | None = None
    ):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint


def open_structured(path: Path, name: str, options: ReadOptions) -> Source:
    fmt = "json" if path.suffix.lower() == ".json" else "yaml"
    records = _load_structured(path, name, fmt)
    headers = _union_keys(records)
    return Source(path, name, fmt, headers, None, [], _reopen=lambda: replay(headers, records))


def _read_bytes(path: Path, name: str) -> bytes:
    try:
        return path.read_bytes()
    except PermissionError as e:
        raise SourceError(f"{name}：没有读取这个文件的权限") from e
    except OSError as e:
        raise SourceError(f"{name}：无法读取文件：{os_reason(e)}") from e


_KINDS = {
    dict: "映射",
    list: "列表",
    str: "文本",
    int: "数字",
    float: "数字",
    bool: "是/否值",
    type(None): "空值",
}


class JsonNumber(str):
    """A JSON number, kept as the text written (so 1.50 stays 1.50 and no number is too long)."""


def _kind_of(value: Any) -> str:
    if isinstance(value, JsonNumber):
        return "数字"
    for cls, label in _KINDS.items():
        if type(value) is cls:
            return label
    if hasattr(value, "isoformat"):
        return "日期"
    return type(value).__name__


def _load_structured(path: Path, name: str, fmt: str) -> list[RawRecord]:
    data = _read_bytes(path, name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        label = "YAML" if fmt == "yaml" else "JSON"
        raise SourceError(f"{name} 第 {line} 行：{label} 文件必须是 UTF-8 编码，请用 UTF-8 编码另存") from e
    if not text.strip():
        raise SourceError(f"{name}：文件是空的，没有任何记录")
    if fmt == "yaml":
        try:
            document = load_yaml_text(text)
        except YamlProblem as e:
            where = (
                name if not e.line else f"{name} 第 {e.line} 行" + (f"第 {e.column} 列" if e.column else "")
            )
            raise SourceError(f"{where}：{e.message}", hint=e.hint) from e
    else:
        document = _parse_json(text, name)

    if isinstance(document, dict):
        items = [document]
    elif isinstance(document, list):
        items = document
    else:
        raise SourceError(
            f"{name}：文件内容应是一条记录（“字段: 值”的映射）或记录的列表，读到的却是{_kind_of(document)}"
        )
    records = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise SourceError(
                f"{name} 第 {index} 条记录不是“字段: 值”的映射（读到的是{_kind_of(item)}），"
                "列表中的每一项都应是一条记录"
            )
        records.append(_structured_record(item, Location(name, index, "record")))
    return records


def _structured_record(item: dict[Any, Any], location: Location) -> RawRecord:
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in item.items():
        label = header_text(key).strip() if key is not None else ""
        if not label:
            if not is_empty(value):
                problems.append(f"有一个字段名是空的，它的值“{preview(value)}”未被读取")
            continue
        if label in values:
            problems.append(f"字段名“{label}”重复出现（只差空格），请删除其中一个")
            continue
        values[label] = value
    return RawRecord(location, values, problems)


def _union_keys(records: list[RawRecord]) -> list[str]:
    seen: dict[str, None] = {}
    for record in records:
        seen.update(dict.fromkeys(record.values))
    return list(seen)


_YAML_PROBLEMS = (
    (
        "mapping values are not allowed",
        "此处不能出现“键: 值”（常见原因：冒号后缺少空格、缩进不一致，或值里有未加引号的冒号）",
    ),
    ("found character '\\t'", "使用了制表符（Tab），YAML 只能用空格缩进"),
    ("cannot start any token", "出现了不能放在开头的字符（如 @、`、%），请给这个值加上引号"),
    ("could not find expected ':'", "缺少冒号“:”，或上一行的引号没有闭合"),
    ("expected <block end>", "缩进不一致，请检查这一行与上面几行的缩进"),
    ("did not find expected key", "缩进不一致，或列表项“- ”与字段混在同一层"),
    ("did not find expected '-' indicator", "列表项的缩进不一致"),
    ("found unexpected end of stream", "引号或括号没有闭合"),
    ("found unexpected ':'", "冒号的位置不对，含冒号的值请加引号"),
    ("expected a single document", "文件里有多个文档（用 --- 分隔），请合并为一个记录列表"),
    ("found undefined alias", "引用了未定义的锚点（*名称）"),
    ("could not determine a constructor", "使用了不支持的标签（!!…），请去掉"),
    ("found duplicate key", "字段名重复出现，请删除其中一个"),
)


def load_yaml_text(text: str) -> Any:
    """Load YAML with every scalar kept as its text (plain ``null``/``~``/empty → None), duplicate
    keys refused and alias expansion bounded. Raises ``YamlProblem`` (Chinese) for anything else."""
    return load_yaml_document(text)[1]


def load_yaml_document(text: str) -> tuple[Any, Any]:
    """``load_yaml_text``, with the composed node too (for the line of each key)."""
    import yaml

    loader = None
    try:
        loader = _string_loader()(text)
        node = loader.get_single_node()
        if node is None:
            return None, None
        _check_expansion(node)
        return node, loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        problem = " ".join(p for p in (e.context, e.problem) if p)
        # For an unclosed quote or bracket the end of the file is useless; point at where it opened.
        unclosed = "end of stream" in (e.problem or "") and e.context_mark is not None
        mark = e.context_mark if unclosed else (e.problem_mark or e.context_mark)
        explanation = next((zh for en, zh in _YAML_PROBLEMS if en in problem), None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        if explanation:
            raise YamlProblem(f"YAML 格式错误，{explanation}", line, column) from e
        raise YamlProblem(
            "YAML 格式错误，请检查缩进、冒号和引号", line, column, hint=f"解析器提示：{problem}"
        ) from e
    except yaml.reader.ReaderError as e:
        line = text.count("\n", 0, e.position) + 1
        code = f"U+{e.character:04X}" if isinstance(e.character, int) else "?"
        raise YamlProblem(f"YAML 中有不允许的控制字符（{code}），请删除后重试", line, None) from e
    except yaml.YAMLError as e:
        raise YamlProblem("YAML 格式错误，请检查缩进、冒号和引号", hint=f"解析器提示：{e}") from e
    except RecursionError as e:
        raise YamlProblem("YAML 嵌套层数过多，无法读取") from e
    finally:
        if loader is not None:
            loader.dispose()


def _check_expansion(root: Any) -> None:
    """The size and depth the node graph has once every alias is expanded, counted without
    expanding it (each shared node once, memoised)."""
    import yaml

    sizes: dict[int, int] = {}

    def size(node: Any, depth: int) -> int:
        if node.tag not in _ALLOWED_TAGS:
            raise YamlProblem(
                "YAML 格式错误，使用了不支持的标签（!!…），请去掉",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
        if depth > MAX_YAML_DEPTH:
            raise YamlProblem(
                f"YAML 嵌套超过 {MAX_YAML_DEPTH} 层，无法读取",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
        known = sizes.get(id(node))
        if known is not None:
            return known
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        else:
            total += len(node.value) // 64
        if total > MAX_YAML_NODES:
            raise YamlProblem(
                "YAML 中的锚点与引用（&名称 / *名称）展开后过大，疑似恶意构造的文件，已拒绝读取",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
                hint="请直接写出每条记录的内容，不要层层引用",
            )
        sizes[id(node)] = total
        return total

    size(root, 0)


_ALLOWED_TAGS = {"!"} | {
    f"tag:yaml.org,2002:{t}"
    for t in ("str", "seq", "map", "int", "float", "bool", "null", "timestamp", "merge")
}
_LOADER: type | None = None
_NULLS = {"", "~", "null", "Null", "NULL"}


def _string_loader() -> type:
    """PyYAML's base loader (every scalar a string), with null kept
    as None, merge keys (``<<: *defaults``) applied and duplicate keys refused."""
    global _LOADER
    if _LOADER is not None:
        return _LOADER
    import yaml
    from yaml.constructor import ConstructorError, SafeConstructor

    base = yaml.BaseLoader  # the Python parser: its messages are the ones translated above

    class StringLoader(base):  # type: ignore[misc, valid-type]
        def construct_string(self, node: Any) -> Any:
            if node.style is None and node.value in _NULLS:
                return None
            return node.value

        def flatten_mapping(self, node: Any) -> None:
            for key_node, _ in node.value:
                if (
                    isinstance(key_node, yaml.ScalarNode)
                    and key_node.style is None
                    and key_node.value == "<<"
                ):
                    key_node.tag = "tag:yaml.org,2002:merge"
            SafeConstructor.flatten_mapping(self, node)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if not isinstance(node, yaml.MappingNode):
                raise ConstructorError(
                    None, None, f"expected a mapping node, but found {node.id}", node.start_mark
                )
            own = {id(k) for k, _ in node.value if not (k.style is None and k.value == "<<")}
            self.flatten_mapping(node)
            result: dict[Any, Any] = {}
            written: set[str] = set()  # keys written in this mapping (merged ones may be overridden)
            for key_node, value_node in node.value:
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, str):
                    key = "" if key is None else str(key)
                if id(key_node) in own:
                    if key in written:
                        raise ConstructorError(
                            "while constructing a mapping",
                            node.start_mark,
                            f"found duplicate key {key!r}",
                            key_node.start_mark,
                        )
                    written.add(key)
                result[key] = self.construct_object(value_node, deep=deep)
            return result

    StringLoader.add_constructor("tag:yaml.org,2002:str", StringLoader.construct_string)
    StringLoader.add_constructor("tag:yaml.org,2002:map", StringLoader.construct_mapping)
    _LOADER = StringLoader
    return _LOADER


_JSON_PROBLEMS = (
    ("Expecting ',' delimiter", "缺少逗号“,”"),
    ("Expecting ':' delimiter", "缺少冒号“:”"),
    (
        "Expecting property name enclosed in double quotes",
        "字段名必须用英文双引号括起来（也可能是最后多了一个逗号）",
    ),
    ("Expecting value", "此处缺少值（常见原因：多了一个逗号，或用了中文引号）"),
    ("Extra data", "数据结束后还有多余的内容"),
    ("Unterminated string", "字符串的引号没有闭合"),
    ("Invalid control character", "字符串中有换行等控制字符，请写成 \\n"),
    ("Invalid \\escape", "反斜杠转义无效（路径中的 \\ 请写成 \\\\）"),
    ("Invalid \\uXXXX escape", "反斜杠转义无效（路径中的 \\ 请写成 \\\\）"),
)


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _not_a_number(constant: str) -> BadValue:
    return BadValue(
        f"“{constant}”不是有效的值：JSON 的 NaN、Infinity 不能作为内容；如果要写这几个字母，请加上英文双引号"
    )


def _parse_json(text: str, name: str) -> Any:
    import json

    try:
        # Numbers stay the text typed (a field's type parses them), so no number is too big here.
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_int=JsonNumber,
            parse_float=JsonNumber,
            parse_constant=_not_a_number,
        )
    except json.JSONDecodeError as e:
        explanation = next((zh for en, zh in _JSON_PROBLEMS if e.msg.startswith(en)), None)
        where = f"{name} 第 {e.lineno} 行第 {e.colno} 列"
        if explanation:
            raise SourceError(f"{where}：JSON 格式错误，{explanation}") from e
        raise SourceError(f"{where}：JSON 格式错误", hint=f"解析器提示：{e.msg}") from e
    except _DuplicateKey as e:
        raise SourceError(f"{name}：JSON 格式错误，字段名“{e.key}”在同一条记录中重复出现") from e
    except RecursionError as e:
        raise SourceError(f"{name}：JSON 嵌套层数过多，无法读取") from e
