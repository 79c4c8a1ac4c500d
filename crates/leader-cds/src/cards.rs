//! The CDS Hooks 2.0 wire types we send, and a check of a response against the card rules
//! of the specification (written from its "CDS Service Response" section), used by the
//! tests on every response.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Coding {
    pub system: String,
    pub code: String,
    pub display: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<Coding>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Action {
    #[serde(rename = "type")]
    pub kind: String,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Suggestion {
    pub label: String,
    pub uuid: String,
    pub is_recommended: bool,
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Card {
    pub uuid: String,
    pub summary: String,
    pub detail: String,
    pub indicator: String,
    pub source: Source,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub suggestions: Vec<Suggestion>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection_behavior: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub override_reasons: Vec<Coding>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Response {
    pub cards: Vec<Card>,
}

/// A summary must stay under 140 characters: cut at a character boundary with an ellipsis.
pub fn summary(text: &str) -> String {
    if text.chars().count() < 140 {
        return text.to_owned();
    }
    let cut: String = text.chars().take(138).collect();
    format!("{cut}…")
}

/// Problems of a CDS Hooks response against the specification's card rules (empty: valid).
pub fn check_response(v: &Value) -> Vec<String> {
    let mut p = Vec::new();
    let Some(cards) = v.get("cards").and_then(Value::as_array) else {
        return vec!["`cards` is required and must be an array".into()];
    };
    for (i, c) in cards.iter().enumerate() {
        let at = |what: &str| format!("cards[{i}].{what}");
        let Some(c) = c.as_object() else {
            p.push(format!("cards[{i}] must be an object"));
            continue;
        };
        match c.get("summary").and_then(Value::as_str) {
            None => p.push(at("summary is required (string)")),
            Some(s) if s.chars().count() >= 140 => p.push(at("summary must be shorter than 140 characters")),
            Some(s) if s.trim().is_empty() => p.push(at("summary must not be empty")),
            _ => {}
        }
        if !matches!(c.get("indicator").and_then(Value::as_str), Some("info" | "warning" | "critical")) {
            p.push(at("indicator must be info, warning or critical"));
        }
        match c.get("source") {
            Some(s) if s.get("label").and_then(Value::as_str).is_some_and(|l| !l.is_empty()) => {
                if let Some(t) = s.get("topic") {
                    check_coding(t, &at("source.topic"), &mut p);
                }
            }
            _ => p.push(at("source.label is required")),
        }
        for key in ["uuid", "detail"] {
            if c.get(key).is_some_and(|x| !x.is_string()) {
                p.push(at(&format!("{key} must be a string")));
            }
        }
        if let Some(sugg) = c.get("suggestions") {
            let Some(list) = sugg.as_array() else {
                p.push(at("suggestions must be an array"));
                continue;
            };
            if !matches!(c.get("selectionBehavior").and_then(Value::as_str), Some("at-most-one" | "any")) {
                p.push(at("selectionBehavior (at-most-one or any) is required with suggestions"));
            }
            for (j, s) in list.iter().enumerate() {
                let sat = |w: &str| format!("cards[{i}].suggestions[{j}].{w}");
                if s.get("label").and_then(Value::as_str).is_none_or(str::is_empty) {
                    p.push(sat("label is required"));
                }
                if s.get("isRecommended").is_some_and(|x| !x.is_boolean()) {
                    p.push(sat("isRecommended must be a boolean"));
                }
                for (k, a) in s.get("actions").and_then(Value::as_array).into_iter().flatten().enumerate() {
                    let aat = |w: &str| format!("cards[{i}].suggestions[{j}].actions[{k}].{w}");
                    let kind = a.get("type").and_then(Value::as_str);
                    if !matches!(kind, Some("create" | "update" | "delete")) {
                        p.push(aat("type must be create, update or delete"));
                    }
                    if a.get("description").and_then(Value::as_str).is_none() {
                        p.push(aat("description is required"));
                    }
                    if matches!(kind, Some("create" | "update"))
                        && a.get("resource").and_then(|r| r.get("resourceType")).and_then(Value::as_str).is_none()
                    {
                        p.push(aat("resource (a FHIR resource) is required for create and update"));
                    }
                }
            }
        }
        if let Some(reasons) = c.get("overrideReasons") {
            match reasons.as_array() {
                Some(list) => {
                    for (j, r) in list.iter().enumerate() {
                        check_coding(r, &format!("cards[{i}].overrideReasons[{j}]"), &mut p);
                    }
                }
                None => p.push(at("overrideReasons must be an array")),
            }
        }
        if let Some(links) = c.get("links").and_then(Value::as_array) {
            for (j, l) in links.iter().enumerate() {
                let ok = l.get("label").and_then(Value::as_str).is_some()
                    && l.get("url").and_then(Value::as_str).is_some()
                    && matches!(l.get("type").and_then(Value::as_str), Some("absolute" | "smart"));
                if !ok {
                    p.push(format!("cards[{i}].links[{j}] needs label, url and type (absolute or smart)"));
                }
            }
        }
    }
    p
}

fn check_coding(v: &Value, at: &str, p: &mut Vec<String>) {
    for key in ["code", "system", "display"] {
        if v.get(key).and_then(Value::as_str).is_none_or(str::is_empty) {
            p.push(format!("{at}.{key} is required"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_check_accepts_a_spec_card_and_names_what_is_wrong() {
        let good = json!({ "cards": [{
            "uuid": "u1", "summary": "Amiodarone × digoxin", "indicator": "critical",
            "source": { "label": "LEADER Rx" },
            "suggestions": [{ "label": "Order", "actions": [{ "type": "create", "description": "d", "resource": { "resourceType": "MedicationRequest" } }] }],
            "selectionBehavior": "any",
            "overrideReasons": [{ "system": "s", "code": "c", "display": "d" }]
        }]});
        assert!(check_response(&good).is_empty(), "{:?}", check_response(&good));
        let bad = json!({ "cards": [{ "summary": "x".repeat(140), "indicator": "severe", "source": {},
            "suggestions": [{ "actions": [{ "type": "create", "description": "d" }] }] }]});
        let p = check_response(&bad);
        for want in [
            "summary must be shorter",
            "indicator",
            "source.label",
            "selectionBehavior",
            "label is required",
            "resource",
        ] {
            assert!(p.iter().any(|x| x.contains(want)), "{want} not reported: {p:?}");
        }
        assert!(!check_response(&json!({})).is_empty());
    }

    #[test]
    fn long_summaries_are_cut() {
        let s = summary(&"é".repeat(300));
        assert!(s.chars().count() < 140);
    }
}
