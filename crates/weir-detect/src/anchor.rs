//! Stage one of the engine: every anchor literal of every rule, found in one pass.
//!
//! An Aho-Corasick automaton compiled to a full DFA over byte classes, matching ASCII
//! case-insensitively (the rules' own regexes decide case afterwards). A single DFA walk is
//! bound by the latency of one table load per byte; the haystack is therefore cut into four
//! lanes walked in the same loop, so the loads of different lanes overlap. Lanes start
//! `longest anchor - 1` bytes early so no match across a lane boundary is lost, and report only
//! the matches that end inside their own part, so none is reported twice.

use std::collections::VecDeque;

/// An anchor occurrence: which anchor, and where it ends (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    /// Byte offset just past the anchor's last byte.
    pub end: usize,
    /// Index of the anchor in the list the set was built from.
    pub anchor: u32,
}

/// A compiled set of anchor literals.
#[derive(Debug, Clone)]
pub struct AnchorSet {
    class: [u8; 256],
    classes: usize,
    /// `trans[state + class]` is the next state; states are premultiplied by `classes`.
    trans: Vec<u32>,
    /// States at or above this id have at least one anchor ending in them.
    first_match: u32,
    /// For matching state `s`, its anchors are `outputs[out_at[i]..out_at[i + 1]]` with
    /// `i = (s - first_match) / classes`.
    out_at: Vec<u32>,
    outputs: Vec<u32>,
    lengths: Vec<usize>,
    longest: usize,
}

/// Haystacks shorter than this are walked in one lane: the setup is not worth it.
const LANE_MIN: usize = 1024;

/// How many lanes are walked together.
const LANES: usize = 6;

impl AnchorSet {
    /// Compiles `anchors` (non-empty byte strings; matched ASCII case-insensitively).
    pub fn new<A: AsRef<[u8]>>(anchors: &[A]) -> AnchorSet {
        let fold = |b: u8| b.to_ascii_lowercase();
        let mut used = [false; 256];
        for a in anchors {
            for &b in a.as_ref() {
                used[fold(b) as usize] = true;
            }
        }
        let mut class = [0u8; 256];
        let mut classes = 1usize;
        for b in 0..256usize {
            if used[b] {
                class[b] = classes as u8;
                classes += 1;
            }
        }
        for b in 0..=255u8 {
            class[b as usize] = class[fold(b) as usize];
        }
        // Trie.
        const NONE: u32 = u32::MAX;
        let mut goto: Vec<Vec<u32>> = vec![vec![NONE; classes]];
        let mut out: Vec<Vec<u32>> = vec![Vec::new()];
        for (i, a) in anchors.iter().enumerate() {
            let mut s = 0usize;
            for &b in a.as_ref() {
                let c = class[b as usize] as usize;
                if goto[s][c] == NONE {
                    goto.push(vec![NONE; classes]);
                    out.push(Vec::new());
                    goto[s][c] = (goto.len() - 1) as u32;
                }
                s = goto[s][c] as usize;
            }
            out[s].push(i as u32);
        }
        // Failure links, folded into a complete transition function, breadth first.
        let mut fail = vec![0usize; goto.len()];
        let mut queue = VecDeque::new();
        for slot in goto[0].iter_mut() {
            match *slot {
                NONE => *slot = 0,
                s => queue.push_back(s as usize),
            }
        }
        while let Some(r) = queue.pop_front() {
            // `c` indexes two rows of `goto` at once.
            #[allow(clippy::needless_range_loop)]
            for c in 0..classes {
                let s = goto[r][c];
                if s == NONE {
                    goto[r][c] = goto[fail[r]][c];
                } else {
                    let s = s as usize;
                    let f = goto[fail[r]][c] as usize;
                    fail[s] = f;
                    let inherited = out[f].clone();
                    out[s].extend(inherited);
                    queue.push_back(s);
                }
            }
        }
        // Renumber: non-matching states first, so "is this a match" is one comparison.
        let n = goto.len();
        let mut order: Vec<usize> = (0..n).filter(|&s| out[s].is_empty()).collect();
        let first_match = order.len();
        order.extend((0..n).filter(|&s| !out[s].is_empty()));
        let mut id = vec![0usize; n];
        for (new, &old) in order.iter().enumerate() {
            id[old] = new;
        }
        // The start state must be 0; it never matches (anchors are non-empty).
        debug_assert_eq!(id[0], 0);
        let mut trans = vec![0u32; n * classes];
        for (new, &old) in order.iter().enumerate() {
            for c in 0..classes {
                trans[new * classes + c] = (id[goto[old][c] as usize] * classes) as u32;
            }
        }
        let mut out_at = vec![0u32];
        let mut outputs = Vec::new();
        for &old in &order[first_match..] {
            let mut o = out[old].clone();
            o.sort_unstable();
            o.dedup();
            outputs.extend(o);
            out_at.push(outputs.len() as u32);
        }
        let lengths: Vec<usize> = anchors.iter().map(|a| a.as_ref().len()).collect();
        AnchorSet {
            class,
            classes,
            trans,
            first_match: (first_match * classes) as u32,
            out_at,
            outputs,
            longest: lengths.iter().copied().max().unwrap_or(1),
            lengths,
        }
    }

    /// The length of anchor `i`.
    pub fn len_of(&self, i: u32) -> usize {
        self.lengths[i as usize]
    }

    /// Every occurrence of every anchor in `hay` (overlapping ones included), ordered by end.
    pub fn find(&self, hay: &[u8], hits: &mut Vec<Hit>) {
        hits.clear();
        if hay.len() < LANE_MIN {
            self.walk(hay, 0, 0, hits);
        } else {
            self.walk_lanes(hay, hits);
            hits.sort_unstable();
        }
    }

    fn report(&self, state: u32, end: usize, hits: &mut Vec<Hit>) {
        let i = ((state - self.first_match) as usize) / self.classes;
        let (a, b) = (self.out_at[i] as usize, self.out_at[i + 1] as usize);
        hits.extend(self.outputs[a..b].iter().map(|&anchor| Hit { end, anchor }));
    }

    /// One lane over `hay[begin..]`, reporting matches that end after `report_from`.
    fn walk(&self, hay: &[u8], begin: usize, report_from: usize, hits: &mut Vec<Hit>) {
        let mut s = 0u32;
        for (i, &b) in hay.iter().enumerate().skip(begin) {
            s = self.trans[s as usize + self.class[b as usize] as usize];
            if s >= self.first_match && i >= report_from {
                self.report(s, i + 1, hits);
            }
        }
    }

    fn walk_lanes(&self, hay: &[u8], hits: &mut Vec<Hit>) {
        let overlap = self.longest - 1;
        let part = hay.len() / LANES;
        // Lane k reports ends in [k * part, (k + 1) * part) (the last lane to the end) and starts
        // `overlap` bytes early.
        let begin = |k: usize| (k * part).saturating_sub(if k == 0 { 0 } else { overlap });
        let end = |k: usize| {
            if k == LANES - 1 {
                hay.len()
            } else {
                (k + 1) * part
            }
        };
        let lanes: [&[u8]; LANES] = std::array::from_fn(|k| &hay[begin(k)..end(k)]);
        let common = lanes.iter().map(|l| l.len()).min().unwrap_or(0);
        let cut: [&[u8]; LANES] = std::array::from_fn(|k| &lanes[k][..common]);
        let mut st = [0u32; LANES];
        let t = &self.trans[..];
        let c = &self.class;
        let first = self.first_match;
        for i in 0..common {
            let mut any = false;
            for k in 0..LANES {
                st[k] = t[st[k] as usize + c[cut[k][i] as usize] as usize];
                any |= st[k] >= first;
            }
            if any {
                for (k, &s) in st.iter().enumerate() {
                    let at = begin(k) + i;
                    if s >= first && at >= k * part {
                        self.report(s, at + 1, hits);
                    }
                }
            }
        }
        // Each lane's tail past the common length, from the state it reached.
        for (k, lane) in lanes.iter().enumerate() {
            let mut s = st[k];
            for (i, &b) in lane.iter().enumerate().skip(common) {
                s = t[s as usize + c[b as usize] as usize];
                let at = begin(k) + i;
                if s >= first && at >= k * part {
                    self.report(s, at + 1, hits);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(anchors: &[&[u8]], hay: &[u8]) -> Vec<Hit> {
        let mut out = Vec::new();
        for end in 1..=hay.len() {
            for (i, a) in anchors.iter().enumerate() {
                if a.len() <= end && hay[end - a.len()..end].eq_ignore_ascii_case(a) {
                    out.push(Hit {
                        end,
                        anchor: i as u32,
                    });
                }
            }
        }
        out.sort_unstable();
        out
    }

    #[test]
    fn finds_overlapping_and_nested_anchors_case_insensitively() {
        let anchors: [&[u8]; 4] = [b"sk-", b"sk-ant-", b"ant", b"AKIA"];
        let set = AnchorSet::new(&anchors);
        let hay = b"x SK-ANT-api akia";
        let mut hits = Vec::new();
        set.find(hay, &mut hits);
        assert_eq!(hits, naive(&anchors, hay));
        assert_eq!(hits.len(), 4);
    }

    proptest! {
        #[test]
        fn lanes_agree_with_a_naive_search(
            anchors in prop::collection::vec(prop::collection::vec(prop::sample::select(b"abcAB-_".to_vec()), 1..6), 1..12),
            hay in prop::collection::vec(prop::sample::select(b"abcAB-_xyz".to_vec()), 0..9000),
        ) {
            let refs: Vec<&[u8]> = anchors.iter().map(|a| a.as_slice()).collect();
            let set = AnchorSet::new(&refs);
            let mut hits = Vec::new();
            set.find(&hay, &mut hits);
            // Duplicate anchors report once per copy, as the naive search does.
            prop_assert_eq!(hits, naive(&refs, &hay));
        }
    }
}
