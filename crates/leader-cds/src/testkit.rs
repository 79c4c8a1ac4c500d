//! A pretend EHR for the tests and the latency benchmark: it signs CDS Hooks JWTs with a
//! key of its own, and builds hook requests (context + prefetch) for the encounters of a
//! FHIR Bulk Data export such as the MIMIC-IV demo on FHIR. Not used by `leader serve`.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

/// Signs JWTs as an EHR would.
#[derive(Debug)]
pub struct TestEhr {
    key: EncodingKey,
    kid: String,
    pub issuer: String,
    counter: AtomicU64,
}

impl TestEhr {
    /// `pem`: a PKCS#8 P-384 private key.
    pub fn new(pem: &str, kid: &str, issuer: &str) -> Result<TestEhr, jsonwebtoken::errors::Error> {
        let key = EncodingKey::from_ec_pem(pem.as_bytes())?;
        Ok(TestEhr { key, kid: kid.into(), issuer: issuer.into(), counter: AtomicU64::new(0) })
    }

    /// A fresh token for `aud`, valid for `ttl` seconds (negative: already expired).
    pub fn token(&self, aud: &str, ttl: i64) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
        self.token_with(&json!({
            "iss": self.issuer, "aud": aud, "exp": now + ttl, "iat": now - 1,
            "jti": format!("{}-{now}-{n}", self.kid),
        }))
    }

    /// A token with exactly these claims.
    pub fn token_with(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES384);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).unwrap_or_default()
    }
}

/// The resources of a Bulk Data export, grouped for building hook requests.
#[derive(Debug, Default)]
pub struct BulkExport {
    patients: HashMap<String, Value>,
    medications: HashMap<String, Value>,
    /// Hospital encounters (no `partOf`) per patient, oldest first: (id, start).
    encounters: HashMap<String, Vec<(String, String)>>,
    conditions: HashMap<String, Vec<Value>>,
    requests: HashMap<String, Vec<Value>>,
}

fn last_segment(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

impl BulkExport {
    /// Reads the Patient, Encounter, Condition, Medication and MedicationRequest files of
    /// a Bulk Data folder (`*.ndjson[.gz]`).
    pub fn load(dir: &Path) -> std::io::Result<BulkExport> {
        let mut out = BulkExport::default();
        let mut entries: Vec<_> = std::fs::read_dir(dir)?.flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if !(name.ends_with(".ndjson") || name.ends_with(".ndjson.gz")) {
                continue;
            }
            let file = std::fs::File::open(&path)?;
            let reader: Box<dyn BufRead> = if name.ends_with(".gz") {
                Box::new(std::io::BufReader::new(flate2::read::MultiGzDecoder::new(file)))
            } else {
                Box::new(std::io::BufReader::new(file))
            };
            for line in reader.lines() {
                let line = line?;
                // Cheap skip of the large resource types no request uses.
                if !["\"Patient\"", "\"Encounter\"", "\"Condition\"", "\"Medication\"", "\"MedicationRequest\""]
                    .iter()
                    .any(|t| line.contains(t))
                {
                    continue;
                }
                let Ok(r) = serde_json::from_str::<Value>(&line) else { continue };
                let id = r["id"].as_str().unwrap_or_default().to_owned();
                let enc = r["encounter"]["reference"].as_str().map(|e| last_segment(e).to_owned());
                match r["resourceType"].as_str() {
                    Some("Patient") => {
                        out.patients.insert(id, r);
                    }
                    Some("Medication") => {
                        out.medications.insert(id, r);
                    }
                    Some("Encounter") if r.get("partOf").is_none() => {
                        let p = last_segment(r["subject"]["reference"].as_str().unwrap_or_default()).to_owned();
                        let start = r["period"]["start"].as_str().unwrap_or_default().to_owned();
                        out.encounters.entry(p).or_default().push((id, start));
                    }
                    Some("Condition") => {
                        if let Some(e) = enc {
                            out.conditions.entry(e).or_default().push(r);
                        }
                    }
                    Some("MedicationRequest") => {
                        if let Some(e) = enc {
                            out.requests.entry(e).or_default().push(r);
                        }
                    }
                    _ => {}
                }
            }
        }
        for list in out.encounters.values_mut() {
            list.sort_by(|a, b| a.1.cmp(&b.1));
        }
        Ok(out)
    }

    /// Encounters that have diagnoses, as (patient id, encounter id), in a stable order.
    pub fn encounters(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .encounters
            .iter()
            .flat_map(|(p, list)| list.iter().map(move |(e, _)| (p.clone(), e.clone())))
            .filter(|(_, e)| self.conditions.contains_key(e))
            .collect();
        out.sort();
        out
    }

    /// A MedicationRequest as an EHR would send it offline: its Medication contained.
    fn self_contained(&self, r: &Value) -> Value {
        let mut r = r.clone();
        if let Some(reference) = r["medicationReference"]["reference"].as_str().map(str::to_owned)
            && let Some(m) = self.medications.get(last_segment(&reference))
        {
            let mut contained = vec![];
            let mut med = m.clone();
            // A mix: its ingredients contained too.
            if let Some(ings) = med.get_mut("ingredient").and_then(Value::as_array_mut) {
                for ing in ings {
                    if let Some(ir) = ing["itemReference"]["reference"].as_str().map(str::to_owned)
                        && let Some(im) = self.medications.get(last_segment(&ir))
                    {
                        let local = format!("ing-{}", contained.len());
                        let mut im = im.clone();
                        im["id"] = json!(local);
                        contained.push(im);
                        ing["itemReference"]["reference"] = json!(format!("#{local}"));
                    }
                }
            }
            med["id"] = json!("med");
            contained.push(med);
            r["contained"] = json!(contained);
            r["medicationReference"] = json!({ "reference": "#med" });
        }
        r
    }

    fn bundle(resources: Vec<Value>) -> Value {
        json!({
            "resourceType": "Bundle", "type": "searchset",
            "entry": resources.into_iter().map(|r| json!({ "resource": r })).collect::<Vec<_>>(),
        })
    }

    /// The patient's orders at the stay before `encounter` (their "active" medications).
    fn previous_orders(&self, patient: &str, encounter: &str) -> Vec<Value> {
        let list = self.encounters.get(patient).cloned().unwrap_or_default();
        let Some(i) = list.iter().position(|(e, _)| e == encounter) else { return vec![] };
        let Some((prev, _)) = i.checked_sub(1).map(|j| &list[j]) else { return vec![] };
        self.requests.get(prev).into_iter().flatten().take(40).map(|r| self.self_contained(r)).collect()
    }

    /// A hook request for `encounter`: `order-select` for suggestions (prefetch: patient,
    /// the encounter's conditions, the previous stay's orders as active medications) or
    /// `order-sign` for the interaction check (draft orders: up to `drafts` of the
    /// encounter's own orders).
    pub fn request(&self, patient: &str, encounter: &str, hook: &str, drafts: usize) -> Value {
        let patient_resource = self.patients.get(patient).cloned().unwrap_or(Value::Null);
        let conditions = self.conditions.get(encounter).cloned().unwrap_or_default();
        let current = self.previous_orders(patient, encounter);
        let draft: Vec<Value> = self
            .requests
            .get(encounter)
            .into_iter()
            .flatten()
            .take(drafts)
            .map(|r| {
                let mut r = self.self_contained(r);
                r["status"] = json!("draft");
                r
            })
            .collect();
        let mut context = json!({ "userId": "Practitioner/test", "patientId": patient, "encounterId": encounter });
        if hook == "order-sign" || drafts > 0 {
            context["draftOrders"] = BulkExport::bundle(draft);
        }
        if hook == "order-select" {
            context["selections"] = json!([]);
        }
        json!({
            "hook": hook,
            "hookInstance": format!("{encounter}-{hook}"),
            "context": context,
            "prefetch": {
                "patient": patient_resource,
                "conditions": BulkExport::bundle(conditions),
                "medications": BulkExport::bundle(current),
            },
        })
    }
}
