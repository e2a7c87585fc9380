#!/usr/bin/python3
"""Validates a JSON document against the subset of JSON Schema that docs/*.schema.json use
(type, required, properties, items, enum, pattern, $ref to #/$defs/...). Stricter than the
schema: a property the schema does not document is an error too, so the docs cannot fall behind
the output. Prints the errors, one per line; exit 1 when there are any.

  json_schema_check.py SCHEMA DOCUMENT

Standard library only (python3 of Debian 12)."""

import json
import re
import sys

TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}


def type_ok(value, name):
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, TYPES[name])


def check(schema, value, path, root, errors):
    if "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/$defs/"), ref
        schema = root["$defs"][ref[len("#/$defs/"):]]
    if "enum" in schema and value not in schema["enum"]:
        errors.append("%s: %r is not one of %r" % (path, value, schema["enum"]))
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(type_ok(value, t) for t in types):
            errors.append("%s: %r is not of type %s" % (path, value, types))
            return
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        errors.append("%s: %r does not match %s" % (path, value, schema["pattern"]))
    if isinstance(value, dict) and ("properties" in schema or "required" in schema):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                errors.append("%s: missing required %r" % (path, key))
        for key, item in value.items():
            if key not in props:
                errors.append("%s: %r is not documented in the schema" % (path, key))
            else:
                check(props[key], item, path + "." + key, root, errors)
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            check(schema["items"], item, "%s[%d]" % (path, i), root, errors)


def main():
    with open(sys.argv[1]) as f:
        schema = json.load(f)
    with open(sys.argv[2]) as f:
        document = json.load(f)
    errors = []
    check(schema, document, "$", schema, errors)
    for e in errors:
        print(e)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
