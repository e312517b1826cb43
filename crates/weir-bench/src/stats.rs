//! Percentiles of measured durations.

use std::time::Duration;

use serde_json::{Value, json};

/// A distribution of durations, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Number of samples.
    pub n: usize,
    /// Fastest sample.
    pub min: f64,
    /// Median (nearest rank).
    pub p50: f64,
    /// 90th percentile (nearest rank).
    pub p90: f64,
    /// 99th percentile (nearest rank).
    pub p99: f64,
    /// Slowest sample.
    pub max: f64,
    /// Arithmetic mean.
    pub mean: f64,
}

impl Summary {
    /// Summarizes `samples` (empty: all zeros).
    pub fn of(samples: &[Duration]) -> Summary {
        let mut us: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e6).collect();
        us.sort_by(f64::total_cmp);
        let n = us.len();
        if n == 0 {
            return Summary {
                n,
                min: 0.0,
                p50: 0.0,
                p90: 0.0,
                p99: 0.0,
                max: 0.0,
                mean: 0.0,
            };
        }
        Summary {
            n,
            min: us[0],
            p50: rank(&us, 0.50),
            p90: rank(&us, 0.90),
            p99: rank(&us, 0.99),
            max: us[n - 1],
            mean: us.iter().sum::<f64>() / n as f64,
        }
    }

    /// The figures as JSON (microseconds).
    pub fn json(&self) -> Value {
        json!({
            "n": self.n,
            "min_us": round(self.min),
            "p50_us": round(self.p50),
            "p90_us": round(self.p90),
            "p99_us": round(self.p99),
            "max_us": round(self.max),
            "mean_us": round(self.mean),
        })
    }
}

/// The nearest-rank percentile `q` of sorted `us`: the smallest sample with at least `q` of the
/// samples at or below it.
fn rank(us: &[f64], q: f64) -> f64 {
    let idx = ((q * us.len() as f64).ceil() as usize).clamp(1, us.len()) - 1;
    us[idx]
}

/// Rounds to 0.1 µs for JSON.
pub fn round(us: f64) -> f64 {
    (us * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_micros).collect();
        let s = Summary::of(&samples);
        assert_eq!((s.p50, s.p90, s.p99, s.max), (50.0, 90.0, 99.0, 100.0));
        assert_eq!(Summary::of(&[Duration::from_micros(7)]).p99, 7.0);
    }
}
