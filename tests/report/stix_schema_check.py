#!/usr/bin/python3
"""Validates a STIX 2.1 bundle against the OASIS cti-stix2-json-schemas vendored beside this
script (stix2-json-schemas/schemas, offline: every $ref resolves to a vendored file), with
python3-jsonschema. Prints one line per failing object (its type and id, the error); exit 1 when
there are any.

  stix_schema_check.py BUNDLE.json"""

import json
import pathlib
import sys

import jsonschema

ROOT = pathlib.Path(__file__).resolve().parent / "stix2-json-schemas" / "schemas"


def load_schemas():
    schemas = {}
    for path in sorted(ROOT.rglob("*.json")):
        schema = json.loads(path.read_text())
        schemas[schema["$id"]] = schema
    return schemas


def validator_for(schema, schemas):
    cls = jsonschema.Draft202012Validator
    try:  # jsonschema >= 4.18
        from referencing import Registry, Resource

        registry = Registry().with_resources(
            (uri, Resource.from_contents(s)) for uri, s in schemas.items())
        return cls(schema, registry=registry)
    except ImportError:  # Debian 12's 4.10
        resolver = jsonschema.RefResolver(schema["$id"], schema, store=schemas)
        return cls(schema, resolver=resolver)


def main():
    bundle = json.loads(pathlib.Path(sys.argv[1]).read_text())
    schemas = load_schemas()
    by_type = {}
    for s in schemas.values():
        title = s.get("title")
        if title:
            by_type[title] = s
    errors = []
    top = validator_for(schemas[next(u for u in schemas if u.endswith("/common/bundle.json"))], schemas)
    # The whole bundle (bundle.json holds each object to one of the object schemas), then each
    # object against its own schema, for errors that name the property.
    errors += ["bundle: " + e.message[:300] for e in top.iter_errors(bundle)]
    for obj in bundle.get("objects", []):
        schema = by_type.get(obj.get("type"))
        if schema is None:
            errors.append("%s %s: no OASIS schema for this type" % (obj.get("type"), obj.get("id")))
            continue
        for e in validator_for(schema, schemas).iter_errors(obj):
            errors.append("%s %s: %s" % (obj["type"], obj["id"], e.message))
    for line in errors:
        print(line)
    print("%d objects, %d errors" % (len(bundle.get("objects", [])), len(errors)), file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
