"""An independent check of Algoritmeregister records: builds a JSON Schema from the standard's
own files (backend_app_schemas_config_v1_0.json and the handbook formats in formats_v1_0.json)
and validates each record with the `jsonschema` package.

Usage: python algoritmeregister_jsonschema.py CONFIG FORMATS < records.json
records.json is a JSON list of records; prints a JSON list, per record the sorted paths of the
fields found invalid (empty when valid).

HTML tags in long text fields are not checked here (JSON Schema cannot say "only these tags").
"""

import json
import sys

import jsonschema


def python_pattern(p):
    # JSON Schema patterns are searched; `$` in Python also matches before a final newline.
    return p[:-1] + r"\Z" if p.endswith("$") else p


def is_required(spec):
    # The source has "required": "false" once.
    return spec.get("required") in (True, "true")


def field_schema(spec, path, fmt_of):
    kind = spec.get("type")
    fmt = fmt_of(path)
    if kind == "array":
        if "items" in spec:
            items = spec["items"]
            props = {k: field_schema(v, path + "." + k, fmt_of) for k, v in items.items()}
            item = {
                "type": "object",
                "properties": props,
                "required": [k for k, v in items.items() if is_required(v)],
                "additionalProperties": False,
            }
            return {"type": "array", "items": item}
        item = {"type": "string"}
        if "permitted_values" in spec:
            item["enum"] = spec["permitted_values"]
        return {"type": "array", "items": item}
    rules = [{"type": "string"}]
    if "max_length" in spec:
        rules.append({"maxLength": spec["max_length"]})
    if "permitted_values" in spec:
        rules.append({"enum": spec["permitted_values"]})
    if fmt is not None:
        rules.append({"pattern": python_pattern(fmt["pattern"])})
    checked = {"allOf": rules}
    if is_required(spec):
        # A required field must not be blank.
        return {"allOf": [checked, {"pattern": r"\S"}]}
    # An optional field may be left blank.
    return {"anyOf": [{"type": "string", "pattern": r"^\s*\Z"}, checked]}


def schema(config, formats):
    def fmt_of(path):
        name = formats["fields"].get(path)
        return formats["formats"][name] if name else None

    props = {}
    required = []
    for key, spec in config["properties"].items():
        props[key] = field_schema(spec, key, fmt_of)
        if is_required(spec):
            required.append(key)
            if spec.get("type") == "array":
                props[key]["minItems"] = 1
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        config = json.load(f)
    with open(sys.argv[2], encoding="utf-8") as f:
        formats = json.load(f)
    s = schema(config, formats)
    jsonschema.Draft202012Validator.check_schema(s)
    v = jsonschema.Draft202012Validator(s)
    out = []
    for record in json.load(sys.stdin):
        paths = set()
        for e in v.iter_errors(record):
            if e.validator == "required":
                paths.add(e.message.split("'")[1])
            elif e.validator == "additionalProperties":
                paths.add("additional")
            else:
                paths.add(".".join(str(p) for p in e.absolute_path))
        out.append(sorted(paths))
    json.dump(out, sys.stdout)


main()
