//! Server-sent events: splitting a byte stream into events, and writing events.
//!
//! The framer keeps every event's raw bytes so a relay can forward them unchanged; it accepts the
//! three line endings the SSE specification allows (`\n`, `\r\n`, `\r`), including a `\r\n` split
//! across two chunks, and gives the same events however the input is split into chunks.
//!
//! Parsing follows <https://html.spec.whatwg.org/multipage/server-sent-events.html>: a line
//! starting with `:` is a comment; otherwise the part before the first `:` is the field name and
//! the rest (one leading space removed) its value, and a line without `:` is a field name with an
//! empty value. A UTF-8 byte order mark at the very start of the stream is ignored. Invalid UTF-8
//! in a line is replaced with U+FFFD in [`Frame::event`] and [`Frame::data`] (`raw` is untouched).
//!
//! One departure from a plain line reader keeps chunking invisible: a `\r` that is the last byte
//! received so far could be the first half of a `\r\n`, so the line it ends is only processed once
//! the next byte arrives (or [`Framer::finish`] declares the end of the stream). A frame ended
//! that way by a lone `\r` is therefore delivered one byte late.

use bytes::{Bytes, BytesMut};

/// One complete event (the bytes up to and including the blank line that ends it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The event exactly as received, including its terminating blank line.
    pub raw: Bytes,
    /// The value of the last `event:` line, if any.
    pub event: Option<String>,
    /// The `data:` lines joined with `\n` (one leading space after the colon removed, per spec).
    /// `None` when the event has no `data:` line (a comment-only or `event:`-only block).
    pub data: Option<String>,
}

/// Incremental SSE parser.
///
/// Feed bytes with [`push`](Framer::push), take events with [`next_frame`](Framer::next_frame)
/// until it returns `None`, repeat. Every input byte is examined once overall: the framer keeps
/// its scan position between calls, and a frame's `raw` is a slice of the internal buffer, not a
/// copy.
#[derive(Debug, Default)]
pub struct Framer {
    /// Bytes not yet returned in a frame; the pending frame starts at index 0.
    buf: BytesMut,
    /// Where the search for the next line terminator resumes.
    scan: usize,
    /// Start of the line being read.
    line_start: usize,
    /// Whether the pending block has a non-blank line (comments count).
    in_block: bool,
    /// The pending block's `event:` value.
    event: Option<String>,
    /// The pending block's joined `data:` values.
    data: Option<String>,
    /// Whether the first line of the stream has been read (the only one that may start with a
    /// byte order mark).
    started: bool,
    /// Set by [`Framer::finish`]: a trailing `\r` ends its line.
    eof: bool,
}

impl Framer {
    /// A framer with nothing buffered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds bytes received from the wire.
    pub fn push(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    /// The next complete event, if the bytes pushed so far hold one. Blocks of only blank lines
    /// produce no frame; their bytes are attached to the next frame's `raw` so nothing is lost.
    pub fn next_frame(&mut self) -> Option<Frame> {
        loop {
            let Some(offset) = self.buf[self.scan..]
                .iter()
                .position(|&b| b == b'\n' || b == b'\r')
            else {
                self.scan = self.buf.len();
                return None;
            };
            let end = self.scan + offset;
            let terminator = match (self.buf[end], self.buf.get(end + 1)) {
                (b'\n', _) => 1,
                (_, Some(b'\n')) => 2,
                (_, Some(_)) => 1,
                (_, None) if self.eof => 1,
                (_, None) => {
                    // Maybe the first half of a `\r\n`: decide when the next byte arrives.
                    self.scan = end;
                    return None;
                }
            };
            let mut line = &self.buf[self.line_start..end];
            if !self.started {
                self.started = true;
                line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
            }
            let next = end + terminator;
            self.scan = next;
            self.line_start = next;
            if !line.is_empty() {
                self.in_block = true;
                apply_line(line, &mut self.event, &mut self.data);
            } else if self.in_block {
                self.in_block = false;
                self.scan = 0;
                self.line_start = 0;
                return Some(Frame {
                    raw: self.buf.split_to(next).freeze(),
                    event: self.event.take(),
                    data: self.data.take(),
                });
            }
        }
    }

    /// Declares the end of the stream and returns the last event if it was complete but held
    /// back: one ended by a lone `\r` as the very last byte (see the module docs). Call it after
    /// the last [`push`](Framer::push) and after [`next_frame`](Framer::next_frame) has returned
    /// `None`; anything still [`pending`](Framer::pending) afterwards is an event cut off by the
    /// end of the stream, which the specification says to discard.
    pub fn finish(&mut self) -> Option<Frame> {
        self.eof = true;
        self.next_frame()
    }

    /// Bytes pushed but not yet part of a complete event (an event cut off at end of stream).
    pub fn pending(&self) -> &[u8] {
        &self.buf
    }
}

/// Applies one non-blank line to the block being built.
fn apply_line(line: &[u8], event: &mut Option<String>, data: &mut Option<String>) {
    if line.first() == Some(&b':') {
        return; // comment
    }
    let (name, value) = match line.iter().position(|&b| b == b':') {
        Some(colon) => {
            let value = &line[colon + 1..];
            (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
        }
        None => (line, &b""[..]),
    };
    match name {
        b"event" => *event = Some(String::from_utf8_lossy(value).into_owned()),
        b"data" => {
            let value = String::from_utf8_lossy(value);
            match data {
                Some(d) => {
                    d.push('\n');
                    d.push_str(&value);
                }
                None => *data = Some(value.into_owned()),
            }
        }
        _ => {} // `id`, `retry` and unknown fields do not matter to weir
    }
}

/// Writes one event: an optional `event:` line, one `data:` line per line of `data`, and the
/// terminating blank line.
///
/// Lines of `data` may end in `\n`, `\r\n` or `\r`; each becomes its own `data:` line, so the
/// receiver reads `data` back with `\n` between lines. `event` must not contain a line break.
pub fn encode(event: Option<&str>, data: &str) -> Bytes {
    let mut out = Vec::with_capacity(data.len() + 16 + event.map_or(0, |e| e.len() + 8));
    if let Some(event) = event {
        out.extend_from_slice(b"event: ");
        out.extend_from_slice(event.as_bytes());
        out.push(b'\n');
    }
    let mut rest = data;
    loop {
        let (line, next) = match rest.find(['\r', '\n']) {
            Some(i) => {
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                (&rest[..i], Some(&rest[i + skip..]))
            }
            None => (rest, None),
        };
        out.extend_from_slice(b"data: ");
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
        match next {
            Some(next) => rest = next,
            None => break,
        }
    }
    out.push(b'\n');
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every frame of `input` fed in `chunks`, then the frame [`Framer::finish`] releases, then
    /// what is left pending.
    fn frames_of(chunks: &[&[u8]]) -> (Vec<Frame>, Vec<u8>) {
        let mut framer = Framer::new();
        let mut frames = Vec::new();
        for chunk in chunks {
            framer.push(chunk);
            while let Some(f) = framer.next_frame() {
                frames.push(f);
            }
        }
        frames.extend(framer.finish());
        (frames, framer.pending().to_vec())
    }

    fn simple(frames: &[Frame]) -> Vec<(Option<&str>, Option<&str>)> {
        frames
            .iter()
            .map(|f| (f.event.as_deref(), f.data.as_deref()))
            .collect()
    }

    #[test]
    fn parses_events_data_and_comments() {
        let input = b": keep-alive\n\nevent: message_start\ndata: {\"a\":1}\n\n\
                      data:no-space\ndata:  two spaces\ndata\n\nevent: ping\n\n";
        let (frames, pending) = frames_of(&[input]);
        assert_eq!(
            simple(&frames),
            vec![
                (None, None),
                (Some("message_start"), Some("{\"a\":1}")),
                (None, Some("no-space\n two spaces\n")),
                (Some("ping"), None),
            ]
        );
        assert_eq!(&frames[0].raw[..], b": keep-alive\n\n");
        assert!(pending.is_empty());
    }

    #[test]
    fn accepts_all_three_line_endings() {
        let (frames, _) = frames_of(&[b"data: a\r\n\r\ndata: b\r\rdata: c\n\ndata: d\r\n\n"]);
        assert_eq!(
            simple(&frames),
            vec![
                (None, Some("a")),
                (None, Some("b")),
                (None, Some("c")),
                (None, Some("d"))
            ]
        );
        assert_eq!(&frames[0].raw[..], b"data: a\r\n\r\n");
        assert_eq!(&frames[1].raw[..], b"data: b\r\r");
    }

    #[test]
    fn crlf_split_across_chunks_is_one_line_ending() {
        let (frames, pending) = frames_of(&[b"data: a\r", b"\n\r", b"\ndata: b\r\n", b"\r\n"]);
        assert_eq!(simple(&frames), vec![(None, Some("a")), (None, Some("b"))]);
        assert_eq!(&frames[0].raw[..], b"data: a\r\n\r\n");
        assert_eq!(&frames[1].raw[..], b"data: b\r\n\r\n");
        assert!(pending.is_empty());
    }

    #[test]
    fn a_trailing_carriage_return_waits_for_the_next_byte_or_finish() {
        let mut framer = Framer::new();
        framer.push(b"data: a\r\r");
        assert_eq!(framer.next_frame(), None);
        framer.push(b"x");
        let frame = framer.next_frame().unwrap();
        assert_eq!(&frame.raw[..], b"data: a\r\r");

        let mut framer = Framer::new();
        framer.push(b"data: a\r\r");
        assert_eq!(framer.next_frame(), None);
        assert_eq!(framer.finish().unwrap().data.as_deref(), Some("a"));
        assert!(framer.pending().is_empty());
    }

    #[test]
    fn leading_blank_lines_belong_to_the_next_frame() {
        let (frames, pending) = frames_of(&[b"\n\r\n\ndata: x\n\n\n\n"]);
        assert_eq!(frames.len(), 1);
        assert_eq!(&frames[0].raw[..], b"\n\r\n\ndata: x\n\n");
        assert_eq!(pending, b"\n\n");
    }

    #[test]
    fn incomplete_event_stays_pending() {
        let (frames, pending) = frames_of(&[b"data: 1\n\ndata: 2\n"]);
        assert_eq!(frames.len(), 1);
        assert_eq!(pending, b"data: 2\n");
    }

    #[test]
    fn byte_order_mark_is_ignored_only_at_stream_start() {
        let (frames, _) = frames_of(&[b"\xEF\xBB\xBFdata: a\n\n\xEF\xBB\xBFdata: b\n\n"]);
        assert_eq!(simple(&frames), vec![(None, Some("a")), (None, None)]);
    }

    #[test]
    fn last_event_line_wins_and_invalid_utf8_is_replaced() {
        let (frames, _) = frames_of(&[b"event: a\nevent: b\ndata: \xff\n\n"]);
        assert_eq!(simple(&frames), vec![(Some("b"), Some("\u{FFFD}"))]);
    }

    #[test]
    fn encode_writes_one_data_line_per_line() {
        assert_eq!(
            &encode(Some("ping"), "{}")[..],
            b"event: ping\ndata: {}\n\n"
        );
        assert_eq!(
            &encode(None, "a\nb\r\nc\rd")[..],
            b"data: a\ndata: b\ndata: c\ndata: d\n\n"
        );
        assert_eq!(&encode(None, "")[..], b"data: \n\n");
        let (frames, _) = frames_of(&[&encode(Some("e"), "x\ny\n")]);
        assert_eq!(simple(&frames), vec![(Some("e"), Some("x\ny\n"))]);
    }

    #[test]
    fn large_input_in_tiny_chunks_is_linear() {
        // 200k events fed one byte at a time: quadratic rescanning would take far too long.
        let one = b"event: content_block_delta\ndata: {\"t\":\"hello\"}\n\n";
        let input: Vec<u8> = one
            .iter()
            .copied()
            .cycle()
            .take(one.len() * 20_000)
            .collect();
        let chunks: Vec<&[u8]> = input.chunks(1).collect();
        let (frames, pending) = frames_of(&chunks);
        assert_eq!(frames.len(), 20_000);
        assert!(pending.is_empty());
    }

    /// A straightforward, non-incremental reading of the specification, to compare against.
    fn reference(input: &[u8]) -> Vec<(Option<String>, Option<String>)> {
        let mut lines = Vec::new();
        let (mut i, mut start) = (0, 0);
        while i < input.len() {
            match input[i] {
                b'\n' => {
                    lines.push(&input[start..i]);
                    i += 1;
                    start = i;
                }
                b'\r' => {
                    lines.push(&input[start..i]);
                    i += if input.get(i + 1) == Some(&b'\n') {
                        2
                    } else {
                        1
                    };
                    start = i;
                }
                _ => i += 1,
            }
        }
        let mut out = Vec::new();
        let (mut event, mut data, mut any) = (None, None::<String>, false);
        for (n, mut line) in lines.into_iter().enumerate() {
            if n == 0 {
                line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
            }
            if line.is_empty() {
                if any {
                    out.push((event.take(), data.take()));
                }
                any = false;
                continue;
            }
            any = true;
            if line[0] == b':' {
                continue;
            }
            let (name, value) = match line.iter().position(|&b| b == b':') {
                Some(c) => (
                    &line[..c],
                    line[c + 1..].strip_prefix(b" ").unwrap_or(&line[c + 1..]),
                ),
                None => (line, &b""[..]),
            };
            let value = String::from_utf8_lossy(value).into_owned();
            match name {
                b"event" => event = Some(value),
                b"data" => {
                    data = Some(match data {
                        Some(d) => format!("{d}\n{value}"),
                        None => value,
                    })
                }
                _ => {}
            }
        }
        out
    }

    fn sse_like() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop::sample::select(vec![
                &b"data: {\"x\":1}"[..],
                b"data:",
                b"data",
                b"event: e",
                b"event:",
                b": comment",
                b"id: 1",
                b":",
                b" ",
                b"\n",
                b"\r",
                b"\r\n",
                b"\n\n",
                b"\r\r",
                b"\xEF\xBB\xBF",
                b"\xC3\xA9",
                b"\xff",
            ]),
            0..40,
        )
        .prop_map(|parts| parts.concat())
    }

    fn chunked(input: &[u8], mut cuts: Vec<usize>) -> Vec<&[u8]> {
        cuts.iter_mut().for_each(|c| *c %= input.len() + 1);
        cuts.sort_unstable();
        let mut prev = 0;
        let mut chunks = Vec::new();
        for c in cuts.into_iter().chain([input.len()]) {
            chunks.push(&input[prev..c]);
            prev = c;
        }
        chunks
    }

    proptest! {
        #[test]
        fn chunking_never_changes_the_frames(
            input in sse_like(),
            cuts in prop::collection::vec(any::<usize>(), 0..8),
        ) {
            let (whole, whole_pending) = frames_of(&[&input]);
            let (split, split_pending) = frames_of(&chunked(&input, cuts));
            prop_assert_eq!(&whole, &split);
            prop_assert_eq!(&whole_pending, &split_pending);
            let bytewise: Vec<&[u8]> = input.chunks(1).collect();
            prop_assert_eq!(&frames_of(&bytewise).0, &whole);

            let mut all: Vec<u8> = whole.iter().flat_map(|f| f.raw.iter().copied()).collect();
            all.extend_from_slice(&whole_pending);
            prop_assert_eq!(all, input.clone());

            let expected = reference(&input);
            let got: Vec<_> = whole.into_iter().map(|f| (f.event, f.data)).collect();
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn arbitrary_bytes_never_panic(
            input in prop::collection::vec(any::<u8>(), 0..128),
            cuts in prop::collection::vec(any::<usize>(), 0..4),
        ) {
            let (frames, pending) = frames_of(&chunked(&input, cuts));
            let mut all: Vec<u8> = frames.iter().flat_map(|f| f.raw.iter().copied()).collect();
            all.extend_from_slice(&pending);
            prop_assert_eq!(all, input);
        }
    }
}
