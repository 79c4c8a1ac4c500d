//! Medication-recommendation metrics as GAMENet, SafeDrug and LEADER report them:
//! per-visit Jaccard, F1 and PRAUC (average precision) averaged over visits, the average
//! number of suggested drugs, and the DDI rate (interacting pairs among all suggested
//! pairs, pooled over visits, against an interaction adjacency).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// Jaccard index of two label sets (0 when both are empty).
pub fn jaccard(pred: &[usize], truth: &[usize]) -> f64 {
    let p: HashSet<_> = pred.iter().collect();
    let t: HashSet<_> = truth.iter().collect();
    let union = p.union(&t).count();
    if union == 0 { 0.0 } else { p.intersection(&t).count() as f64 / union as f64 }
}

/// F1 of a predicted set against the truth (0 when precision + recall is 0).
pub fn f1(pred: &[usize], truth: &[usize]) -> f64 {
    let p: HashSet<_> = pred.iter().collect();
    let t: HashSet<_> = truth.iter().collect();
    let hit = p.intersection(&t).count() as f64;
    if hit == 0.0 {
        return 0.0;
    }
    let (precision, recall) = (hit / p.len() as f64, hit / t.len() as f64);
    2.0 * precision * recall / (precision + recall)
}

/// Average precision of `scores` for the positive labels `truth` (scikit-learn's
/// `average_precision_score`: ties share one threshold). `None` without positives.
pub fn average_precision(scores: &[f32], truth: &[usize]) -> Option<f64> {
    let positives: HashSet<usize> = truth.iter().copied().collect();
    if positives.is_empty() {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let total = positives.len() as f64;
    let (mut tp, mut seen, mut ap, mut last_recall) = (0.0, 0.0, 0.0, 0.0);
    let mut i = 0;
    while i < order.len() {
        // All items sharing this score form one threshold.
        let s = scores[order[i]];
        while i < order.len() && scores[order[i]] == s {
            seen += 1.0;
            if positives.contains(&order[i]) {
                tp += 1.0;
            }
            i += 1;
        }
        let recall = tp / total;
        ap += (recall - last_recall) * (tp / seen);
        last_recall = recall;
    }
    Some(ap)
}

/// Interacting pairs / all pairs over every visit's predicted set. `interacts(a, b)`
/// says whether two labels form a known interacting pair.
pub fn ddi_rate(sets: &[Vec<usize>], interacts: impl Fn(usize, usize) -> bool) -> f64 {
    let (mut all, mut bad) = (0u64, 0u64);
    for s in sets {
        for i in 0..s.len() {
            for j in i + 1..s.len() {
                all += 1;
                if interacts(s[i], s[j]) {
                    bad += 1;
                }
            }
        }
    }
    if all == 0 { 0.0 } else { bad as f64 / all as f64 }
}

/// Averages over a group of visits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Scores {
    pub visits: usize,
    pub jaccard: f64,
    pub prauc: f64,
    pub f1: f64,
    pub avg_drugs: f64,
    pub ddi_rate: f64,
}

/// One evaluated visit: scores over the label vocabulary, the predicted set and the truth.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    pub scores: Vec<f32>,
    pub predicted: Vec<usize>,
    pub truth: Vec<usize>,
}

pub fn score(visits: &[Evaluated], interacts: impl Fn(usize, usize) -> bool) -> Scores {
    if visits.is_empty() {
        return Scores::default();
    }
    let n = visits.len() as f64;
    let aps: Vec<f64> = visits.iter().filter_map(|v| average_precision(&v.scores, &v.truth)).collect();
    let sets: Vec<Vec<usize>> = visits.iter().map(|v| v.predicted.clone()).collect();
    Scores {
        visits: visits.len(),
        jaccard: visits.iter().map(|v| jaccard(&v.predicted, &v.truth)).sum::<f64>() / n,
        prauc: if aps.is_empty() { 0.0 } else { aps.iter().sum::<f64>() / aps.len() as f64 },
        f1: visits.iter().map(|v| f1(&v.predicted, &v.truth)).sum::<f64>() / n,
        avg_drugs: visits.iter().map(|v| v.predicted.len() as f64).sum::<f64>() / n,
        ddi_rate: ddi_rate(&sets, interacts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn jaccard_and_f1_by_hand() {
        // pred {0,1,2}, truth {1,2,3}: 2 shared of 4 in the union; P = R = 2/3.
        assert!(close(jaccard(&[0, 1, 2], &[1, 2, 3]), 0.5));
        assert!(close(f1(&[0, 1, 2], &[1, 2, 3]), 2.0 / 3.0));
        assert!(close(jaccard(&[], &[]), 0.0));
        assert!(close(f1(&[0], &[1]), 0.0));
    }

    #[test]
    fn average_precision_by_hand() {
        // Ranking 0 (pos), 1 (neg), 2 (pos): AP = 1/2 * 1 + 1/2 * 2/3 = 5/6.
        let ap = average_precision(&[0.9, 0.8, 0.7], &[0, 2]).expect("has positives");
        assert!(close(ap, 5.0 / 6.0), "{ap}");
        // Ties share a threshold: both at 0.5, one positive → precision 1/2 at recall 1.
        assert!(close(average_precision(&[0.5, 0.5], &[1]).expect("pos"), 0.5));
        assert_eq!(average_precision(&[0.1], &[]), None);
        assert!(close(average_precision(&[0.2, 0.9], &[1]).expect("pos"), 1.0));
    }

    #[test]
    fn ddi_rate_pools_pairs_over_visits() {
        // visit 1: {0,1,2} → 3 pairs, (0,1) interacts; visit 2: {0,1} → 1 pair, interacts.
        let rate = ddi_rate(&[vec![0, 1, 2], vec![1, 0]], |a, b| (a.min(b), a.max(b)) == (0, 1));
        assert!(close(rate, 2.0 / 4.0));
        assert!(close(ddi_rate(&[vec![3]], |_, _| true), 0.0));
    }

    #[test]
    fn scores_average_per_visit() {
        let v = [
            Evaluated { scores: vec![0.9, 0.1], predicted: vec![0], truth: vec![0] },
            Evaluated { scores: vec![0.2, 0.8], predicted: vec![1], truth: vec![0] },
        ];
        let s = score(&v, |_, _| false);
        assert!(close(s.jaccard, 0.5) && close(s.f1, 0.5) && close(s.avg_drugs, 1.0));
        assert!(close(s.prauc, (1.0 + 0.5) / 2.0));
    }
}
