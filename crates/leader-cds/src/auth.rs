//! The EHR's signed JWT, as CDS Hooks 2.0 requires (`Authorization: Bearer`): the
//! signature is checked against public keys configured locally (a JWKS file; nothing is
//! fetched), the issuer must be on the allow-list, `aud` must be this service (its base URL
//! or the invoked service's URL), `exp` and `iat` must be present and current, and a `jti`
//! seen before is refused (replay). Anything else is a 401 with a reason that names the
//! check, never the token's content.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;

/// Signature algorithms accepted (CDS Hooks requires ES384 and RS384 support).
pub const ALGORITHMS: [Algorithm; 5] =
    [Algorithm::ES384, Algorithm::RS384, Algorithm::ES256, Algorithm::RS256, Algorithm::EdDSA];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("no bearer token (CDS Hooks requires the EHR's signed JWT)")]
    Missing,
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("the token's signature algorithm is not accepted")]
    Algorithm,
    #[error("no configured key matches the token")]
    UnknownKey,
    #[error("the token's signature does not verify")]
    Signature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not for this service (aud)")]
    Audience,
    #[error("the token's issuer is not allowed")]
    Issuer,
    #[error("the token lacks a required claim (exp, iat, iss, aud, jti)")]
    MissingClaim,
    #[error("the token was already used (jti replay)")]
    Replayed,
}

/// The claims we read.
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub jti: String,
    pub exp: u64,
    pub iat: u64,
    #[serde(default)]
    pub sub: Option<String>,
}

/// Keys, issuers and the audience, plus the replay cache.
#[derive(Debug)]
pub struct Verifier {
    keys: Vec<(Option<String>, Algorithm, DecodingKey)>,
    issuers: HashSet<String>,
    base_url: String,
    seen: Mutex<HashMap<String, u64>>,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("the JWKS file is not a JSON Web Key Set: {0}")]
    Format(String),
    #[error("the JWKS file has no usable public key (EC P-256/P-384, RSA or Ed25519, with `alg` or a usable key type)")]
    Empty,
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Verifier {
    /// `jwks`: the JWKS document; `issuers`: the allow-list; `base_url`: this service's
    /// base URL as the EHR registered it (e.g. `http://127.0.0.1:8787/cds-services`).
    pub fn new(jwks: &str, issuers: &[String], base_url: &str) -> Result<Verifier, KeyFileError> {
        let set: JwkSet = serde_json::from_str(jwks).map_err(|e| KeyFileError::Format(e.to_string()))?;
        let mut keys = Vec::new();
        for jwk in &set.keys {
            let Ok(key) = DecodingKey::from_jwk(jwk) else { continue };
            let alg = match (&jwk.common.key_algorithm, &jwk.algorithm) {
                (Some(a), _) => a.to_string().parse::<Algorithm>().ok(),
                (None, jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(ec)) => match ec.curve {
                    jsonwebtoken::jwk::EllipticCurve::P384 => Some(Algorithm::ES384),
                    jsonwebtoken::jwk::EllipticCurve::P256 => Some(Algorithm::ES256),
                    _ => None,
                },
                (None, jsonwebtoken::jwk::AlgorithmParameters::RSA(_)) => Some(Algorithm::RS384),
                (None, jsonwebtoken::jwk::AlgorithmParameters::OctetKeyPair(_)) => Some(Algorithm::EdDSA),
                _ => None,
            };
            if let Some(alg) = alg.filter(|a| ALGORITHMS.contains(a)) {
                keys.push((jwk.common.key_id.clone(), alg, key));
            }
        }
        if keys.is_empty() {
            return Err(KeyFileError::Empty);
        }
        Ok(Verifier {
            keys,
            issuers: issuers.iter().cloned().collect(),
            base_url: base_url.trim_end_matches('/').to_owned(),
            seen: Mutex::new(HashMap::new()),
        })
    }

    /// Verifies `Authorization`'s bearer token for the service `service_id`.
    pub fn verify(&self, authorization: Option<&str>, service_id: &str) -> Result<Claims, AuthError> {
        let token = authorization
            .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::Missing)?;
        let header = decode_header(token).map_err(|_| AuthError::Malformed)?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(AuthError::Algorithm);
        }
        let candidates: Vec<&(Option<String>, Algorithm, DecodingKey)> = self
            .keys
            .iter()
            .filter(|(kid, alg, _)| *alg == header.alg && (header.kid.is_none() || *kid == header.kid))
            .collect();
        if candidates.is_empty() {
            return Err(AuthError::UnknownKey);
        }
        let mut validation = Validation::new(header.alg);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.set_issuer(&self.issuers.iter().collect::<Vec<_>>());
        let service_url = format!("{}/{service_id}", self.base_url);
        validation.set_audience(&[self.base_url.as_str(), service_url.as_str()]);
        validation.leeway = 30;
        let mut last = AuthError::Signature;
        for (_, _, key) in candidates {
            match decode::<Claims>(token, key, &validation) {
                Ok(data) => return self.fresh(data.claims),
                Err(e) => {
                    use jsonwebtoken::errors::ErrorKind as K;
                    last = match e.kind() {
                        K::InvalidSignature => AuthError::Signature,
                        K::ExpiredSignature | K::ImmatureSignature => return Err(AuthError::Expired),
                        K::InvalidAudience => return Err(AuthError::Audience),
                        K::InvalidIssuer => return Err(AuthError::Issuer),
                        K::MissingRequiredClaim(_) | K::Json(_) => return Err(AuthError::MissingClaim),
                        _ => AuthError::Malformed,
                    }
                }
            }
        }
        Err(last)
    }

    /// `iat` not in the future, `jti` never seen before (kept until the token expires).
    fn fresh(&self, claims: Claims) -> Result<Claims, AuthError> {
        let t = now();
        if claims.jti.trim().is_empty() {
            return Err(AuthError::MissingClaim);
        }
        if claims.iat > t + 30 {
            return Err(AuthError::Expired);
        }
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.retain(|_, exp| *exp + 60 >= t);
        if seen.contains_key(&claims.jti) {
            return Err(AuthError::Replayed);
        }
        seen.insert(claims.jti.clone(), claims.exp);
        Ok(claims)
    }
}
