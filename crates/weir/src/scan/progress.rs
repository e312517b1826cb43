//! The progress line on stderr during a scan: files and bytes scanned, and the rate. Drawn only
//! when stderr is a terminal.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use super::text::human_bytes;

/// A spinner counting files and bytes, or nothing when stderr is not a terminal.
pub struct Progress {
    bar: Option<ProgressBar>,
    bytes: Arc<AtomicU64>,
}

impl Progress {
    /// A progress line if stderr is a terminal and `wanted`, else a silent one.
    pub fn new(wanted: bool, unit: &'static str) -> Progress {
        let bytes = Arc::new(AtomicU64::new(0));
        if !wanted || !std::io::stderr().is_terminal() {
            return Progress { bar: None, bytes };
        }
        let counted = bytes.clone();
        let rate = bytes.clone();
        let style = ProgressStyle::with_template(&format!(
            "{{spinner}} scanning: {{pos}} {unit}, {{scanned}} ({{rate}}), {{elapsed}}"
        ))
        .expect("the progress template is valid")
        .with_key(
            "scanned",
            move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = w.write_str(&human_bytes(counted.load(Ordering::Relaxed)));
            },
        )
        .with_key(
            "rate",
            move |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let secs = state.elapsed().as_secs_f64().max(0.001);
                let per_sec = rate.load(Ordering::Relaxed) as f64 / secs;
                let _ = write!(w, "{}/s", human_bytes(per_sec as u64));
            },
        );
        let bar =
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(style);
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress {
            bar: Some(bar),
            bytes,
        }
    }

    /// Counts one file of `bytes` scanned.
    pub fn add(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            self.bytes.fetch_add(bytes, Ordering::Relaxed);
            bar.inc(1);
        }
    }

    /// Prints a warning on stderr without garbling the progress line.
    pub fn warn(&self, message: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("weir: {message}")),
            None => eprintln!("weir: {message}"),
        }
    }

    /// Removes the progress line.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
