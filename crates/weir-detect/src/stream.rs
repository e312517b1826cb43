//! Scanning input that arrives in pieces, with the same findings as scanning it whole.
//!
//! A [`Stream`] keeps only a tail of the input, a fixed multiple of [`Detector::reach`], so
//! memory is bounded and each byte is scanned at most twice: time is linear in the input.
//!
//! # The contract
//!
//! For any input `hay` and any way of cutting it into pieces, the findings returned by
//! [`Stream::feed`] over the pieces followed by [`Stream::finish`], concatenated, equal
//! `detector.scan(hay)`: same spans (absolute offsets), same rules, same order.
//!
//! # Why it holds
//!
//! The stream keeps a window `hay[base..end]` of the input. Scanning happens in two stages,
//! and each is made exact separately.
//!
//! **Candidates** (a rule's findings before overlaps are settled) are local. A candidate
//! `s..e` comes from a trigger `t` (an anchor, or the first digit of a number); the rule's
//! regex runs only in `t - before .. t + max_len` and must start its match no later than `t`,
//! so `t - before <= s` and `e <= t + max_len`: the trigger and the searched range lie within
//! [`Detector::reach`] of the candidate. The regex looks at one byte past each end of the
//! range (`\b`, `(?m)^`; `^`/`$` only at the ends of the whole input), an anchor is at most
//! eight bytes, and a number depends on the bytes from two before it to two after it, and is
//! at most [`number::MAX_SPAN`] long (longer ones are dropped, so a number cut by the window
//! edge is never mistaken for a shorter one that counts). Hence the candidates starting in
//! `base + reach + 2 .. end - (reach + MAX_SPAN + 2)` are exactly those of the whole input
//! there, and a trigger the window sees wrongly (cut by an edge) yields no candidate in that
//! range. At [`Stream::finish`] the window's end is the input's end, and while `base` is 0 its
//! start is the input's start, so those edges need no margin.
//!
//! Each scan hands on the candidates starting in `boundary .. cut` (`boundary` is where the
//! previous scan stopped, `cut = end - right margin`), then keeps `hay[boundary' - left
//! margin ..]` for the next, so every candidate is handed on exactly once, in order.
//!
//! **Settling overlaps** is not local: which of a chain of overlapping candidates survives can
//! depend on candidates any distance back. But [`Detector::scan`] settles in two greedy
//! left-to-right passes over the sorted candidates, each remembering one finding, so the
//! stream runs the same two passes on the candidates as they are handed on, holding at most
//! one finding per pass. A finding is emitted once nothing later can displace it: no candidate
//! still to come starts before its end.

use crate::engine::{self, Detector, Finding, Scratch};
use crate::number;

/// Bytes kept before `boundary`: room for the reach behind a candidate, and the two bytes a
/// number or a `\b` looks back at.
fn left_margin(d: &Detector) -> usize {
    d.reach() + 2
}

/// Bytes kept after `cut`: the reach ahead of a candidate, a number's full length and the two
/// bytes after it.
fn right_margin(d: &Detector) -> usize {
    d.reach() + number::MAX_SPAN + 2
}

/// A scan of input arriving in pieces: see the [module docs](self) for the contract.
#[derive(Debug)]
pub struct Stream<'d> {
    detector: &'d Detector,
    scratch: Scratch,
    /// The tail of the input kept: `hay[base..base + buf.len()]`.
    buf: Vec<u8>,
    base: usize,
    /// Candidates starting before this have been handed on to the passes.
    boundary: usize,
    /// The two settling passes' pending findings.
    first: Option<Finding>,
    second: Option<Finding>,
    /// Bytes handed to the detector so far.
    scanned: usize,
}

impl<'d> Stream<'d> {
    /// A stream at offset 0, scanning with `detector`.
    pub fn new(detector: &'d Detector) -> Stream<'d> {
        Stream {
            detector,
            scratch: Scratch::new(detector),
            buf: Vec::new(),
            base: 0,
            boundary: 0,
            first: None,
            second: None,
            scanned: 0,
        }
    }

    /// The most bytes a stream over `detector` ever keeps: twice the two margins, about four
    /// times [`Detector::reach`].
    pub fn capacity(detector: &Detector) -> usize {
        2 * (left_margin(detector) + right_margin(detector))
    }

    /// How many bytes of input the stream holds now (never more than [`Stream::capacity`]).
    pub fn retained(&self) -> usize {
        self.buf.len()
    }

    /// How many bytes the stream has handed to the detector so far: at most twice the input
    /// plus one [`Stream::capacity`].
    pub fn scanned(&self) -> usize {
        self.scanned
    }

    /// Takes the next piece of input; returns the findings that became final, in order, with
    /// offsets from the start of the whole input.
    pub fn feed(&mut self, mut piece: &[u8]) -> Vec<Finding> {
        let capacity = Stream::capacity(self.detector);
        let mut out = Vec::new();
        while !piece.is_empty() {
            let take = piece.len().min(capacity - self.buf.len());
            self.buf.extend_from_slice(&piece[..take]);
            piece = &piece[take..];
            if self.buf.len() == capacity {
                self.scan_window(false, &mut out);
            }
        }
        out
    }

    /// Ends the input; returns the remaining findings.
    pub fn finish(mut self) -> Vec<Finding> {
        let mut out = Vec::new();
        self.scan_window(true, &mut out);
        if let Some(f) = self.first.take() {
            self.second_pass(f, &mut out);
        }
        out.extend(self.second.take());
        out
    }

    /// Scans the window and hands on the candidates starting in `boundary..cut` (to the end
    /// when `last`), then drops what the next window does not need.
    fn scan_window(&mut self, last: bool, out: &mut Vec<Finding>) {
        let end = self.base + self.buf.len();
        let cut = if last {
            end
        } else {
            end - right_margin(self.detector)
        };
        self.scanned += self.buf.len();
        let candidates = self.detector.candidates(&self.buf, &mut self.scratch);
        for mut f in candidates {
            f.start += self.base;
            f.end += self.base;
            if (self.boundary..cut).contains(&f.start) {
                self.first_pass(f, out);
            }
        }
        self.boundary = cut;
        self.release(out);
        let keep_from = cut
            .saturating_sub(left_margin(self.detector))
            .max(self.base);
        self.buf.drain(..keep_from - self.base);
        self.base = keep_from;
    }

    /// The first settling pass of `Detector::scan`, one candidate at a time.
    fn first_pass(&mut self, f: Finding, out: &mut Vec<Finding>) {
        match self.first {
            Some(last) if f.start < last.end => {
                if engine::better(self.detector.rules(), &f, &last) {
                    self.first = Some(f);
                }
            }
            Some(last) => {
                self.first = Some(f);
                self.second_pass(last, out);
            }
            None => self.first = Some(f),
        }
    }

    /// The second settling pass, over the first pass's output.
    fn second_pass(&mut self, f: Finding, out: &mut Vec<Finding>) {
        match self.second {
            Some(last) if f.start < last.end => {
                if engine::better(self.detector.rules(), &f, &last) {
                    self.second = Some(f);
                }
            }
            Some(last) => {
                self.second = Some(f);
                out.push(last);
            }
            None => self.second = Some(f),
        }
    }

    /// Passes on what no candidate still to come (all start at `boundary` or later) can
    /// change: the first pass's finding if it ends by `boundary`, then the second's if it ends
    /// before anything the first pass can still put out.
    fn release(&mut self, out: &mut Vec<Finding>) {
        if let Some(f) = self.first.filter(|f| f.end <= self.boundary) {
            self.first = None;
            self.second_pass(f, out);
        }
        let next = self
            .first
            .map_or(self.boundary, |f| f.start.min(self.boundary));
        if let Some(f) = self.second.filter(|f| f.end <= next) {
            self.second = None;
            out.push(f);
        }
    }
}
