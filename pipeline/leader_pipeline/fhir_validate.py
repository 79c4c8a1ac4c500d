"""FHIR R4 validation of the Bundles LEADER Rx exports.

    python -m leader_pipeline.fhir_validate FILE [FILE...]     (FILE may be '-' for stdin)

Prints one line per file, "FILE: valid Bundle (type collection, N entries: ...)" or
"FILE: INVALID: <first problems>", and exits 0 only if every file is valid (1 otherwise, 2 on a
usage error). `validate_bundle(obj)` returns the problems of one parsed Bundle ([] = valid).

Two layers:
1. The `fhir.resources` models (pydantic): the whole Bundle is validated, which validates every
   entry's resource against its own model: unknown elements, cardinality (required elements,
   single vs. repeating), datatypes and primitive formats (id, dateTime, instant, ...), choice
   types ([x]: exactly one of). The package has no plain R4 (4.0.1) module since its 7.0;
   its `R4B` (4.3.0) module is used, which for the resources exported here (Bundle, Patient,
   Encounter, Condition, Medication, MedicationRequest, DetectedIssue, Provenance) has the
   same elements as R4.
2. Rules the models do not enforce (checked here, by hand, in FHIR terms): the JSON rules
   (no empty string, array or object, no null), the required value-set bindings of the codes
   we write (Bundle.type, statuses, intent, priority, severity, gender, ...), the Bundle
   invariants (bdl-1..5, 7, 8, 9-12: fullUrl unique and not version-specific, entry has a
   resource, ...), fullUrl consistent with Resource.id, every `urn:uuid:` reference resolves
   to an entry's fullUrl (and to a resource of an allowed type where we know the element),
   `#id` references resolve to a contained resource, Coding.system is an absolute URI.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter

import pydantic
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

FHIR_MODULE = "fhir.resources.R4B"

# Required bindings (FHIR R4 value sets) of the code elements in the resources we export.
BUNDLE_TYPES = {"document", "message", "transaction", "transaction-response", "batch", "batch-response",
                "history", "searchset", "collection"}
REQUIRED_CODES: dict[str, dict[str, set[str]]] = {
    "MedicationRequest": {
        "status": {"active", "on-hold", "cancelled", "completed", "entered-in-error", "stopped", "draft", "unknown"},
        "intent": {"proposal", "plan", "order", "original-order", "reflex-order", "filler-order", "instance-order", "option"},
        "priority": {"routine", "urgent", "asap", "stat"},
    },
    "DetectedIssue": {
        "status": {"registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown"},
        "severity": {"high", "moderate", "low"},
    },
    "Patient": {"gender": {"male", "female", "other", "unknown"}},
    "Encounter": {"status": {"planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled",
                             "entered-in-error", "unknown"}},
    "Medication": {"status": {"active", "inactive", "entered-in-error"}},
}
# Elements that FHIR R4 requires beyond what we may rely on the models for (checked explicitly,
# so that the message names the element even if a model version relaxes it).
REQUIRED_ELEMENTS = {
    "MedicationRequest": ("status", "intent", "subject"),
    "DetectedIssue": ("status",),
    "Provenance": ("target", "recorded", "agent"),
    "Encounter": ("status", "class"),
    "Condition": ("subject",),
}
# CodeableConcept elements bound (required) to an HL7 code system: checked when that system is used.
REQUIRED_CONCEPTS = {
    "Condition": {
        "clinicalStatus": ("http://terminology.hl7.org/CodeSystem/condition-clinical",
                           {"active", "recurrence", "relapse", "inactive", "remission", "resolved"}),
        "verificationStatus": ("http://terminology.hl7.org/CodeSystem/condition-ver-status",
                               {"unconfirmed", "provisional", "differential", "confirmed", "refuted", "entered-in-error"}),
    },
}
PROVENANCE_ENTITY_ROLES = {"derivation", "revision", "quotation", "source", "removal"}
# Allowed target types of references, for the elements we export (R4 StructureDefinitions).
REFERENCE_TARGETS: dict[str, dict[str, set[str]]] = {
    "MedicationRequest": {
        "subject": {"Patient", "Group"},
        "encounter": {"Encounter"},
        "medicationReference": {"Medication"},
        "reasonReference": {"Condition", "Observation"},
        "requester": {"Practitioner", "PractitionerRole", "Organization", "Patient", "RelatedPerson", "Device"},
        "detectedIssue": {"DetectedIssue"},
        "priorPrescription": {"MedicationRequest"},
    },
    "DetectedIssue": {"patient": {"Patient"}, "author": {"Practitioner", "PractitionerRole", "Device"}},
    "Condition": {"subject": {"Patient", "Group"}, "encounter": {"Encounter"}},
    "Encounter": {"subject": {"Patient", "Group"}},
    "Provenance": {"agent.who": {"Practitioner", "PractitionerRole", "RelatedPerson", "Patient", "Device", "Organization"}},
}

UUID_URN = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ABSOLUTE_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")
CODE = re.compile(r"^[^\s]+( [^\s]+)*$")
MAX_ID = 64


def _loc(loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "Bundle"


def _json_rules(node, path: str, problems: list[str], in_array_with_ext: bool = False) -> None:
    """FHIR JSON: no empty strings, arrays or objects; null only inside a primitive array that has
    a `_name` extension sibling (alignment)."""
    if node is None:
        if not in_array_with_ext:
            problems.append(f"{path}: null is not allowed in FHIR JSON")
    elif isinstance(node, str):
        if not node.strip():
            problems.append(f"{path}: empty or blank string (FHIR strings have non-whitespace content)")
    elif isinstance(node, list):
        if not node:
            problems.append(f"{path}: empty array (FHIR arrays are never empty)")
        for i, v in enumerate(node):
            _json_rules(v, f"{path}[{i}]", problems, in_array_with_ext)
    elif isinstance(node, dict):
        if not node:
            problems.append(f"{path}: empty object (FHIR elements have a value or children)")
        for k, v in node.items():
            aligned = isinstance(v, list) and (f"_{k}" in node or (k.startswith("_") and k[1:] in node))
            _json_rules(v, f"{path}.{k}", problems, aligned)


def _walk_references(node, path: str):
    """Yield (path, Reference dict) for every Reference-shaped object under node."""
    if isinstance(node, dict):
        if isinstance(node.get("reference"), str):
            yield path, node
        for k, v in node.items():
            if k != "contained":
                yield from _walk_references(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk_references(v, f"{path}[{i}]")


def _walk_codings(node, path: str):
    if isinstance(node, dict):
        if "coding" in node and isinstance(node["coding"], list):
            for i, c in enumerate(node["coding"]):
                if isinstance(c, dict):
                    yield f"{path}.coding[{i}]", c
        for k, v in node.items():
            yield from _walk_codings(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk_codings(v, f"{path}[{i}]")


def _as_list(v) -> list:
    return v if isinstance(v, list) else ([] if v is None else [v])


def _element_refs(resource: dict, element: str) -> list:
    """The Reference objects of a (possibly dotted, possibly repeating) element path."""
    nodes = [resource]
    for part in element.split("."):
        nodes = [x for n in nodes if isinstance(n, dict) for x in _as_list(n.get(part))]
    return [n for n in nodes if isinstance(n, dict)]


def _model_problems(obj: dict) -> list[str]:
    # An unknown resourceType makes the model lookup raise outside pydantic: name it first.
    for i, e in enumerate(_as_list(obj.get("entry"))):
        r = e.get("resource") if isinstance(e, dict) else None
        if isinstance(r, dict):
            rt = r.get("resourceType")
            try:
                get_fhir_model_class(rt) if isinstance(rt, str) else None
            except (KeyError, ValueError):
                return [f"entry[{i}].resource: unknown resourceType {rt!r}"]
            if not isinstance(rt, str):
                return [f"entry[{i}].resource: missing resourceType"]
    try:
        Bundle.model_validate(obj)
    except pydantic.ValidationError as err:
        out = []
        for e in err.errors():
            loc = list(e.get("loc", ()))
            where = _loc(loc) if loc[:1] == ["entry"] else "Bundle." + _loc(loc) if loc else "Bundle"
            # Name the resource type of the entry an error is in.
            if len(loc) >= 3 and loc[0] == "entry" and isinstance(loc[1], int) and loc[2] == "resource":
                try:
                    rt = obj["entry"][loc[1]]["resource"]["resourceType"]
                    where = f"entry[{loc[1]}] ({rt})" + ("." + _loc(loc[3:]) if len(loc) > 3 else "")
                except (KeyError, IndexError, TypeError):
                    pass
            out.append(f"{where}: {e.get('msg', 'invalid')}")
        return out or [str(err)]
    except Exception as err:  # the models raise a few non-pydantic errors on malformed input
        return [f"model validation failed: {type(err).__name__}: {err}"]
    return []


def validate_bundle(obj) -> list[str]:
    """All problems found in one parsed FHIR R4 Bundle; an empty list means valid."""
    if not isinstance(obj, dict):
        return [f"not a JSON object (got {type(obj).__name__})"]
    if obj.get("resourceType") != "Bundle":
        return [f"resourceType is {obj.get('resourceType')!r}, expected 'Bundle'"]
    problems = _model_problems(obj)
    for k, v in obj.items():
        if k != "entry":
            _json_rules(v, f"Bundle.{k}", problems)
    if "entry" in obj and obj["entry"] in ([], None):
        _json_rules(obj["entry"], "Bundle.entry", problems)
    for i, e in enumerate(_as_list(obj.get("entry"))):
        if not isinstance(e, dict) or not isinstance(e.get("resource"), dict):
            _json_rules(e, f"entry[{i}]", problems)
            continue
        rest = {k: v for k, v in e.items() if k != "resource"}
        for k, v in rest.items():
            _json_rules(v, f"entry[{i}].{k}", problems)
        res = e["resource"]
        where = f"entry[{i}] ({res.get('resourceType')})"
        if not res:
            _json_rules(res, where, problems)
        for k, v in res.items():
            _json_rules(v, f"{where}.{k}", problems, isinstance(v, list) and f"_{k}" in res)

    btype = obj.get("type")
    if btype not in BUNDLE_TYPES:
        problems.append(f"Bundle.type {btype!r} is not one of {'|'.join(sorted(BUNDLE_TYPES))}")
    # Original indices; a non-object entry is reported by the model and skipped here.
    entries = [e if isinstance(e, dict) else {} for e in _as_list(obj.get("entry"))]
    if "total" in obj and btype not in ("searchset", "history"):
        problems.append("Bundle.total is only allowed in a searchset or history (bdl-1)")

    # fullUrls: present, well-formed, unique, not version specific, consistent with the id.
    full_urls: dict[str, int] = {}
    by_url: dict[str, dict] = {}
    for i, e in enumerate(entries):
        res = e.get("resource")
        fu = e.get("fullUrl")
        if "search" in e and btype != "searchset":
            problems.append(f"entry[{i}].search is only allowed in a searchset (bdl-2)")
        if "request" not in e and btype in ("batch", "transaction", "history"):
            problems.append(f"entry[{i}].request is required in a {btype} (bdl-3)")
        if "response" not in e and btype in ("batch-response", "transaction-response", "history"):
            problems.append(f"entry[{i}].response is required in a {btype} (bdl-4)")
        if e and not isinstance(res, dict) and "request" not in e and "response" not in e:
            problems.append(f"entry[{i}]: has no resource (bdl-5)")
        if fu is None:
            if btype in ("collection", "document", "message") and isinstance(res, dict):
                problems.append(f"entry[{i}]: fullUrl is missing")
            continue
        if not isinstance(fu, str):
            continue  # reported by the model
        if fu in full_urls:
            problems.append(f"entry[{i}].fullUrl {fu!r} duplicates entry[{full_urls[fu]}] (bdl-7)")
        else:
            full_urls[fu] = i
            if isinstance(res, dict):
                by_url[fu] = res
        if "/_history/" in fu:
            problems.append(f"entry[{i}].fullUrl {fu!r} is version specific (bdl-8)")
        if fu.startswith("urn:uuid:"):
            if not UUID_URN.match(fu):
                problems.append(f"entry[{i}].fullUrl {fu!r} is not a valid urn:uuid (lower-case RFC 4122 UUID)")
        elif not ABSOLUTE_URI.match(fu):
            problems.append(f"entry[{i}].fullUrl {fu!r} is not an absolute URI")
        elif isinstance(res, dict) and isinstance(res.get("id"), str) and not fu.startswith("urn:") \
                and not fu.endswith(f"/{res.get('resourceType')}/{res['id']}"):
            problems.append(f"entry[{i}].fullUrl {fu!r} disagrees with {res.get('resourceType')}.id {res['id']!r}")

    if btype == "document":
        if "identifier" not in obj:
            problems.append("a document Bundle has an identifier (bdl-9)")
        if "timestamp" not in obj:
            problems.append("a document Bundle has a timestamp (bdl-10)")
        if not entries or (entries[0].get("resource") or {}).get("resourceType") != "Composition":
            problems.append("a document Bundle starts with a Composition (bdl-11)")
    if btype == "message" and (not entries or (entries[0].get("resource") or {}).get("resourceType") != "MessageHeader"):
        problems.append("a message Bundle starts with a MessageHeader (bdl-12)")

    # Per resource: required elements and codes, references, codings.
    for i, e in enumerate(entries):
        res = e.get("resource")
        if not isinstance(res, dict):
            continue
        rt = res.get("resourceType")
        where = f"entry[{i}] ({rt})"
        rid = res.get("id")
        if isinstance(rid, str) and len(rid) > MAX_ID:
            problems.append(f"{where}.id is longer than {MAX_ID} characters")
        for name in REQUIRED_ELEMENTS.get(rt, ()):
            if res.get(name) in (None, "", [], {}) and not any(p.startswith(f"{where}.{name}:") for p in problems):
                problems.append(f"{where}.{name} is required")
        for name, allowed in REQUIRED_CODES.get(rt, {}).items():
            v = res.get(name)
            if v is not None and v not in allowed:
                problems.append(f"{where}.{name} {v!r} is not one of {'|'.join(sorted(allowed))}")
        for name, (system, allowed) in REQUIRED_CONCEPTS.get(rt, {}).items():
            for c in _as_list((res.get(name) or {}).get("coding") if isinstance(res.get(name), dict) else None):
                if isinstance(c, dict) and c.get("system") == system and c.get("code") not in allowed:
                    problems.append(f"{where}.{name} code {c.get('code')!r} is not one of {'|'.join(sorted(allowed))}")
        if rt == "Condition":
            ver = [c.get("code") for c in _as_list((res.get("verificationStatus") or {}).get("coding")) if isinstance(c, dict)]
            if "entered-in-error" in ver and "clinicalStatus" in res:
                problems.append(f"{where}: clinicalStatus is not allowed when verificationStatus is entered-in-error (con-5)")
        if rt == "Provenance":
            for j, ent in enumerate(_as_list(res.get("entity"))):
                if isinstance(ent, dict) and "role" in ent and ent["role"] not in PROVENANCE_ENTITY_ROLES:
                    problems.append(f"{where}.entity[{j}].role {ent.get('role')!r} is not one of "
                                    f"{'|'.join(sorted(PROVENANCE_ENTITY_ROLES))}")

        contained_ids = {c.get("id") for c in _as_list(res.get("contained")) if isinstance(c, dict)}
        for path, ref in _walk_references(res, where):
            r = ref["reference"]
            if r.startswith("urn:uuid:"):
                target = by_url.get(r)
                if r not in full_urls:
                    problems.append(f"{path}.reference {r!r} does not resolve to any entry's fullUrl")
                elif target is not None and isinstance(ref.get("type"), str) and ref["type"] != target.get("resourceType"):
                    problems.append(f"{path}.type {ref['type']!r} but the reference resolves to a {target.get('resourceType')}")
            elif r.startswith("#"):
                if r != "#" and r[1:] not in contained_ids:
                    problems.append(f"{path}.reference {r!r} does not resolve to a contained resource")
            elif r.startswith("urn:"):
                pass
            elif not re.match(r"^\S+$", r):
                problems.append(f"{path}.reference {r!r} contains whitespace")
        for element, allowed in REFERENCE_TARGETS.get(rt, {}).items():
            for ref in _element_refs(res, element):
                target = by_url.get(ref.get("reference")) if isinstance(ref.get("reference"), str) else None
                if target is not None and target.get("resourceType") not in allowed:
                    problems.append(f"{where}.{element} refers to {target.get('resourceType')}, "
                                    f"expected {'|'.join(sorted(allowed))}")
        for path, c in _walk_codings(res, where):
            s = c.get("system")
            if isinstance(s, str) and not ABSOLUTE_URI.match(s):
                problems.append(f"{path}.system {s!r} is not an absolute URI")
            code = c.get("code")
            if isinstance(code, str) and code and not CODE.match(code):
                problems.append(f"{path}.code {code!r} has leading, trailing or repeated whitespace")
    return problems


def summary(obj: dict) -> str:
    counts = Counter(e["resource"].get("resourceType") for e in _as_list(obj.get("entry"))
                     if isinstance(e, dict) and isinstance(e.get("resource"), dict))
    n = len(_as_list(obj.get("entry")))
    parts = ", ".join(f"{c} {t}" for t, c in counts.most_common())
    return f"valid Bundle (type {obj.get('type')}, {n} entr{'y' if n == 1 else 'ies'}" + (f": {parts})" if parts else ")")


def check_file(path: str, show: int = 5) -> tuple[bool, str]:
    try:
        text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()
        obj = json.loads(text)
    except OSError as err:
        return False, f"{path}: INVALID: cannot read: {err.strerror or err}"
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        return False, f"{path}: INVALID: not JSON: {err}"
    problems = validate_bundle(obj)
    if not problems:
        return True, f"{path}: {summary(obj)}"
    more = f" (+{len(problems) - show} more)" if len(problems) > show else ""
    return False, f"{path}: INVALID: " + "; ".join(problems[:show]) + more


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m leader_pipeline.fhir_validate",
                                 description=f"Validate FHIR R4 Bundles (JSON) with the {FHIR_MODULE} models and LEADER Rx's own checks.")
    ap.add_argument("files", nargs="+", metavar="FILE", help="a Bundle JSON file ('-' reads stdin)")
    ap.add_argument("--show", type=int, default=5, help="problems shown per invalid file (default 5)")
    args = ap.parse_args(argv)
    ok = True
    for f in args.files:
        good, line = check_file(f, max(1, args.show))
        print(line, flush=True)
        ok &= good
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
