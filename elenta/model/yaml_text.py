"""YAML documents as the model reads them: safe, keys are text and given once (merge keys allowed).

A module of its own so that PyYAML is imported only when a YAML file is read:
`parse_yaml("a: 1")` -> `{"a": 1}`; raises `InvalidYaml`, `DuplicateKey` or `BadKey`.
"""

from __future__ import annotations

from typing import Any

import yaml

from elenta.model.loading import BadKey, DuplicateKey, InvalidYaml, _kind


class _BoundedLoader(yaml.SafeLoader):
    """A safe YAML loader: keys are text and given once per mapping (merge keys `<<` allowed)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise BadKey(f"line {line}: a key must be text, not a {key_node.id}")
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                raise BadKey(f"line {line}: key {key!r} is {_kind(key)}; keys must be text (quote it)")
            if key in seen:
                raise DuplicateKey(key, line)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str) -> Any:
    """The plain data of one YAML document (see the module docstring)."""
    try:
        return yaml.load(text, Loader=_BoundedLoader)
    except yaml.YAMLError as exc:
        raise InvalidYaml(" ".join(str(exc).split())) from None
