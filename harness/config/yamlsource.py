"""Load YAML keeping the line of every key, so errors can point at file:line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harness.errors import ConfigurationError
from harness.textfiles import read_text

Loc = tuple[str | int, ...]


@dataclass(frozen=True, kw_only=True)
class SourceMap:
    """Where each value of a loaded YAML document stands in its file."""

    path: Path
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int:
        """The line of `loc`, or of its nearest enclosing value that has one."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return 1

    def error(self, loc: Loc, message: str, *, line: int | None = None) -> ConfigurationError:
        """A ConfigurationError pointing at the file and line of `loc`."""
        where = dotted(loc)
        prefix = f"{self.path}:{line or self.line_of(loc)}: "
        return ConfigurationError(prefix + (f"{where}: {message}" if where else message))


def dotted(loc: Loc) -> str:
    """`loc` as a dotted path (`environments.tf-2.15[0]`)."""
    # Keys that are not plain words are quoted, so the message stays on one readable line.
    parts = [
        p if isinstance(p, int) or (p.isprintable() and p.strip() == p and p) else repr(p)
        for p in loc
    ]
    return "".join(
        f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(parts)
    )


def load(path: Path) -> tuple[Any, SourceMap]:
    """Parse `path`; duplicate keys are errors, not silently overwritten."""
    return loads(read_text(path), path)


def loads(text: str, path: Path) -> tuple[Any, SourceMap]:
    """The YAML document in `text`, and where each of its keys was."""
    source = SourceMap(path=path)
    try:
        # The reader rejects control characters as it is constructed, before any mark exists.
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise ConfigurationError(f"{path}:{line}: invalid YAML: {exc.reason}") from None
    try:
        node = loader.get_single_node()
        data = _build(node, (), source, loader) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or "malformed YAML"
        raise ConfigurationError(f"{path}:{line}: invalid YAML: {problem}") from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise ConfigurationError(f"{path}:{line}: invalid YAML: {exc.reason}") from None
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigurationError(f"{path}: invalid YAML: {first}") from None
    finally:
        loader.dispose()
    return data, source


def _build(node: yaml.Node, loc: Loc, source: SourceMap, loader: yaml.SafeLoader) -> Any:
    source.lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool):
                raise source.error(loc, "mapping keys must be plain scalars")
            key = str(key)
            child = (*loc, key)
            if key in result:
                first = source.lines[child]
                raise source.error(
                    child,
                    f"defined twice (first on line {first})",
                    line=key_node.start_mark.line + 1,
                )
            source.lines[child] = key_node.start_mark.line + 1
            result[key] = _build(value_node, child, source, loader)
            source.lines[child] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*loc, i), source, loader) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)
