//! Per-client rate limit: a token bucket per client key (the JWT issuer once verified,
//! the peer address before), `rate` tokens a second, a burst of twice that. A client over
//! its budget gets 429 until tokens refill. The table is pruned of idle clients, so it stays
//! bounded by the clients active in the last minute.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

#[derive(Debug)]
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// `rate` requests per second per client; 0 turns the limit off.
    pub fn new(rate: u32) -> RateLimiter {
        RateLimiter { rate: f64::from(rate), burst: f64::from(rate) * 2.0, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one token for `client`; `false` when it has none left.
    pub fn allow(&self, client: &str) -> bool {
        if self.rate <= 0.0 {
            return true;
        }
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 10_000 {
            buckets.retain(|_, (_, at)| now.duration_since(*at).as_secs() < 60);
        }
        let (tokens, at) = buckets.entry(client.to_owned()).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.rate).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_burst_then_is_refused_while_others_are_not() {
        let l = RateLimiter::new(5);
        let allowed = (0..20).filter(|_| l.allow("ehr-a")).count();
        assert_eq!(allowed, 10, "a burst of twice the rate");
        assert!(l.allow("ehr-b"), "buckets are per client");
        assert!((0..1000).all(|_| RateLimiter::new(0).allow("x")), "0 turns the limit off");
    }
}
