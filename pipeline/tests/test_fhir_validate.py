"""leader_pipeline.fhir_validate: a hand-written R4 collection Bundle of the kind LEADER Rx exports
validates; each kind of broken Bundle is caught; the command line's output and exit codes."""

import copy
import json
import os
import subprocess
import sys

import pytest

from leader_pipeline.fhir_validate import validate_bundle

PIPELINE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PATIENT = "urn:uuid:0b7f6c1e-1d2a-4c3b-8e4f-5a6b7c8d9e01"
ENCOUNTER = "urn:uuid:0b7f6c1e-1d2a-4c3b-8e4f-5a6b7c8d9e02"
COND_AF = "urn:uuid:0b7f6c1e-1d2a-4c3b-8e4f-5a6b7c8d9e03"
COND_CAD = "urn:uuid:0b7f6c1e-1d2a-4c3b-8e4f-5a6b7c8d9e04"
MR_WARFARIN = "urn:uuid:0b7f6c1e-1d2a-4c3b-8e4f-5a6b7c8d9e05"
MR_ASPIRIN = "urn:uuid:0b7f6c1e-1d2a-4c3b-8e4f-5a6b7c8d9e06"
ISSUE = "urn:uuid:0b7f6c1e-1d2a-4c3b-8e4f-5a6b7c8d9e07"
PROVENANCE = "urn:uuid:0b7f6c1e-1d2a-4c3b-8e4f-5a6b7c8d9e08"
MEDICATION = "urn:uuid:0b7f6c1e-1d2a-4c3b-8e4f-5a6b7c8d9e09"

ATC = "http://www.whocc.no/atc"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"


def _condition(code, display):
    return {"resourceType": "Condition",
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
            "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                               "code": "confirmed"}]},
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category",
                                      "code": "encounter-diagnosis"}]}],
            "code": {"coding": [{"system": ICD10CM, "code": code, "display": display}], "text": display},
            "subject": {"reference": PATIENT}, "encounter": {"reference": ENCOUNTER}}


def _med_request(atc, atc_display, rxcui, rx_display, probability, reason):
    return {"resourceType": "MedicationRequest", "status": "draft", "intent": "proposal",
            "medicationCodeableConcept": {"coding": [{"system": ATC, "code": atc, "display": atc_display},
                                                     {"system": RXNORM, "code": rxcui, "display": rx_display}],
                                          "text": rx_display},
            "subject": {"reference": PATIENT, "type": "Patient"}, "encounter": {"reference": ENCOUNTER},
            "authoredOn": "2026-11-30T10:00:00Z",
            "reasonReference": [{"reference": reason}],
            "note": [{"text": f"LEADER Rx suggestion (probability {probability}); the clinician decides."}]}


def valid_bundle():
    """A collection Bundle as LEADER Rx exports one visit's suggestions (written by hand)."""
    entries = [
        (PATIENT, {"resourceType": "Patient", "id": "DEMO-012",
                   "identifier": [{"system": "urn:leader-rx:patient", "value": "DEMO-012"}],
                   "gender": "female", "birthDate": "1950-04-02"}),
        (ENCOUNTER, {"resourceType": "Encounter", "status": "in-progress",
                     "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP",
                               "display": "inpatient encounter"},
                     "subject": {"reference": PATIENT}, "period": {"start": "2026-11-29T08:30:00Z"}}),
        (COND_AF, _condition("I48.91", "Unspecified atrial fibrillation")),
        (COND_CAD, _condition("I25.10", "Atherosclerotic heart disease of native coronary artery")),
        (MR_WARFARIN, _med_request("B01AA03", "warfarin", "11289", "warfarin", 0.83, COND_AF)),
        (MR_ASPIRIN, _med_request("B01AC06", "acetylsalicylic acid", "1191", "aspirin", 0.71, COND_CAD)),
        (ISSUE, {"resourceType": "DetectedIssue", "status": "final",
                 "code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "DRG",
                                      "display": "Drug Interaction Alert"}]},
                 "severity": "high", "patient": {"reference": PATIENT},
                 "identifiedDateTime": "2026-11-30T10:00:00Z",
                 "implicated": [{"reference": MR_WARFARIN}, {"reference": MR_ASPIRIN}],
                 "evidence": [{"code": [{"text": "curated high-priority interaction pair B01AA03 + B01AC06"}]}],
                 "detail": "Warfarin with aspirin: increased risk of bleeding.",
                 "reference": "urn:leader-rx:ddi:curated",
                 "mitigation": [{"action": {"text": "Avoid the combination or monitor INR and bleeding closely."}}]}),
        (PROVENANCE, {"resourceType": "Provenance",
                      "target": [{"reference": MR_WARFARIN}, {"reference": MR_ASPIRIN}],
                      "recorded": "2026-11-30T10:00:00.123Z",
                      "activity": {"text": "medication recommendation"},
                      "agent": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                                                      "code": "assembler"}]},
                                 "who": {"display": "LEADER Rx 0.1.0"}}],
                      "entity": [{"role": "source",
                                  "what": {"display": "model leader-student-mimic-iv-demo (sha256 0f3a...)"}}]}),
    ]
    return {"resourceType": "Bundle", "type": "collection", "timestamp": "2026-11-30T10:00:00Z",
            "entry": [{"fullUrl": u, "resource": r} for u, r in entries]}


def _entry(bundle, resource_type, n=0):
    return [e for e in bundle["entry"] if e["resource"]["resourceType"] == resource_type][n]


def test_valid_bundle_has_no_problems():
    assert validate_bundle(valid_bundle()) == []


def test_medication_reference_to_a_medication_entry_is_valid():
    b = valid_bundle()
    mr = _entry(b, "MedicationRequest")["resource"]
    med = {"resourceType": "Medication", "status": "active", "code": mr.pop("medicationCodeableConcept")}
    b["entry"].append({"fullUrl": MEDICATION, "resource": med})
    mr["medicationReference"] = {"reference": MEDICATION}
    assert validate_bundle(b) == []


def _severity(b):
    _entry(b, "DetectedIssue")["resource"]["severity"] = "severe"


def _no_intent(b):
    del _entry(b, "MedicationRequest", 1)["resource"]["intent"]


def _dangling(b):
    _entry(b, "DetectedIssue")["resource"]["implicated"][1]["reference"] = "urn:uuid:0b7f6c1e-1d2a-4c3b-8e4f-000000000000"


def _duplicate(b):
    b["entry"][3]["fullUrl"] = b["entry"][2]["fullUrl"]


def _unknown_field(b):
    _entry(b, "Provenance")["resource"]["confidence"] = 0.9


def _unknown_resource_type(b):
    b["entry"].append({"fullUrl": MEDICATION, "resource": {"resourceType": "Suggestion", "status": "draft"}})


def _bad_status(b):
    _entry(b, "MedicationRequest")["resource"]["status"] = "suggested"


def _bad_bundle_type(b):
    b["type"] = "bag"


def _empty_note(b):
    _entry(b, "MedicationRequest")["resource"]["note"] = [{"text": ""}]


def _empty_array(b):
    _entry(b, "MedicationRequest")["resource"]["reasonReference"] = []


def _bad_system(b):
    _entry(b, "MedicationRequest")["resource"]["medicationCodeableConcept"]["coding"][0]["system"] = "WHO ATC"


def _wrong_target(b):
    _entry(b, "MedicationRequest")["resource"]["subject"] = {"reference": ENCOUNTER}


def _bad_date(b):
    _entry(b, "Provenance")["resource"]["recorded"] = "30/11/2026"


def _not_uuid(b):
    b["entry"][0]["fullUrl"] = "urn:uuid:DEMO-012"
    for e in b["entry"][1:]:
        for ref in ("subject", "patient"):
            if ref in e["resource"]:
                e["resource"][ref]["reference"] = "urn:uuid:DEMO-012"


def _no_provenance_target(b):
    del _entry(b, "Provenance")["resource"]["target"]


@pytest.mark.parametrize("breaks, expected", [
    (_severity, "severity 'severe' is not one of high|low|moderate"),
    (_no_intent, "(MedicationRequest).intent"),
    (_dangling, "does not resolve to any entry's fullUrl"),
    (_duplicate, "duplicates entry[2]"),
    (_unknown_field, "(Provenance).confidence: Extra inputs are not permitted"),
    (_unknown_resource_type, "unknown resourceType 'Suggestion'"),
    (_bad_status, "status 'suggested' is not one of"),
    (_bad_bundle_type, "Bundle.type 'bag'"),
    (_empty_note, "entry[4] (MedicationRequest).note[0].text: empty or blank string"),
    (_empty_array, "(MedicationRequest).reasonReference: empty array"),
    (_bad_system, "'WHO ATC' is not an absolute URI"),
    (_wrong_target, "(MedicationRequest).subject refers to Encounter, expected Group|Patient"),
    (_bad_date, "(Provenance).recorded"),
    (_not_uuid, "not a valid urn:uuid"),
    (_no_provenance_target, "(Provenance).target"),
], ids=lambda x: x.__name__.strip("_") if callable(x) else None)
def test_broken_bundles_are_invalid(breaks, expected):
    b = valid_bundle()
    breaks(b)
    problems = validate_bundle(b)
    assert problems, "expected the Bundle to be invalid"
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("obj, expected", [
    ({"resourceType": "Patient", "gender": "female"}, "expected 'Bundle'"),
    ({"type": "collection", "entry": []}, "expected 'Bundle'"),
    ([valid_bundle()], "not a JSON object"),
])
def test_not_a_bundle_is_invalid(obj, expected):
    problems = validate_bundle(obj)
    assert len(problems) == 1 and expected in problems[0], problems


def test_valid_bundle_is_not_modified():
    b = valid_bundle()
    before = copy.deepcopy(b)
    validate_bundle(b)
    assert b == before


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "leader_pipeline.fhir_validate", *args], cwd=PIPELINE,
                          capture_output=True, text=True, timeout=120)


def test_command_line(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(valid_bundle()))
    bad = valid_bundle()
    _severity(bad)
    badf = tmp_path / "bad.json"
    badf.write_text(json.dumps(bad))
    notjson = tmp_path / "notjson.json"
    notjson.write_text("{ this is not json")

    r = _cli(str(good))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == (f"{good}: valid Bundle (type collection, 8 entries: 2 Condition, 2 MedicationRequest, "
                                "1 Patient, 1 Encounter, 1 DetectedIssue, 1 Provenance)")

    r = _cli(str(good), str(badf), str(notjson), str(tmp_path / "missing.json"))
    assert r.returncode == 1, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith(f"{good}: valid Bundle")
    assert lines[1].startswith(f"{badf}: INVALID: ") and "severity 'severe'" in lines[1]
    assert lines[2].startswith(f"{notjson}: INVALID: not JSON")
    assert lines[3].startswith(f"{tmp_path / 'missing.json'}: INVALID: cannot read")

    r = subprocess.run([sys.executable, "-m", "leader_pipeline.fhir_validate", "-"], cwd=PIPELINE, input=json.dumps(valid_bundle()),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.startswith("-: valid Bundle"), r.stdout + r.stderr

    r = _cli()
    assert r.returncode == 2 and r.stdout == "" and "FILE" in r.stderr
