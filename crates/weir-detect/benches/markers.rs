//! What the hidden-marker scan costs, measured (`cargo bench -p weir-detect --bench markers`):
//! throughput on a 200 KB coding-agent-like text (instructions, an environment block, a file
//! tree, source code and tool output, with the non-ASCII characters such text carries: em
//! dashes, arrows, box drawing, an emoji, a few CJK words), on the same size of pure ASCII
//! source, and on CJK prose (every character non-ASCII: the worst case for the per-character
//! lookup). Best of several runs, one core.

use std::time::Instant;

use weir_detect::Role;
use weir_detect::marker::{self, Marker};

/// The head of an agent-like request, written for this benchmark: instructions, an
/// environment block with a date line, a file tree.
const HEAD: &str = "\
# Working rules
- Read the code before you change it \u{2014} never guess what a function does.
- Keep edits small; run the tests after each one \u{2192} fix what fails.
- Don't rewrite files you weren't asked to touch; it's the user's code.

<environment_context>
  <cwd>/home/dev/src/harbour</cwd>
  <shell>bash</shell>
  <current_date>2026-03-14</current_date>
</environment_context>

# Environment
 - Platform: linux
 - Shell: bash
Today's date is 2026-03-14.

/home/dev/src/harbour/
\u{251C}\u{2500}\u{2500}\u{2500}Cargo.toml
\u{251C}\u{2500}\u{2500}\u{2500}src/
\u{2502}   \u{251C}\u{2500}\u{2500}\u{2500}main.rs
\u{2502}   \u{2514}\u{2500}\u{2500}\u{2500}lib.rs
\u{2514}\u{2500}\u{2500}\u{2500}README.md
";

/// The body of an agent-like request, repeated: source code and tool output with the
/// occasional non-ASCII character, written for this benchmark.
const BODY: &str = "\
fn parse(input: &str) -> Result<Config, Error> {
    let mut cfg = Config::default();
    for (n, line) in input.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // A line is `key = value` \u{2014} anything else is a syntax error.
        let (key, value) = line.split_once('=').ok_or(Error::Syntax { line: n + 1 })?;
        cfg.set(key.trim(), value.trim())?;
    }
    Ok(cfg)
}

$ cargo test --quiet
running 42 tests
..........................................
test result: ok. 42 passed; 0 failed; 0 ignored \u{2714}\u{FE0F}
Build finished in 3.2 s \u{1F680} \u{2014} 0 warnings, 1\u{00A0}234 lines changed.
Note (\u{65E5}\u{672C}\u{8A9E}): \u{8A2D}\u{5B9A}\u{30D5}\u{30A1}\u{30A4}\u{30EB}\u{3092}\u{78BA}\u{8A8D}\u{3057}\u{3066}\u{304F}\u{3060}\u{3055}\u{3044}\u{3002}
The parser keeps today's behaviour: see docs/config.md for the details of each key.
";

/// Pure ASCII source, written for this benchmark.
const ASCII: &str = "\
impl Server {
    pub async fn serve(self, listener: TcpListener) -> std::io::Result<()> {
        loop {
            let (stream, peer) = listener.accept().await?;
            stream.set_nodelay(true)?;
            let svc = self.service.clone();
            tokio::spawn(async move {
                if let Err(e) = svc.handle(stream).await {
                    tracing::debug!(%peer, error = %e, \"connection closed\");
                }
            });
        }
    }
}
// Today the limits are read from the config file; see docs/limits.md for details.
";

/// CJK prose with ideographic spaces and fullwidth punctuation, written for this benchmark.
const CJK: &str = "\u{8A2D}\u{5B9A}\u{30D5}\u{30A1}\u{30A4}\u{30EB}\u{3092}\u{8AAD}\u{307F}\u{8FBC}\u{307F}\u{3001}\u{30C6}\u{30B9}\u{30C8}\u{3092}\u{5B9F}\u{884C}\u{3057}\u{307E}\u{3059}\u{3002}\u{3000}\u{7D50}\u{679C}\u{306F}\u{FF08}\u{FF11}\u{FF12}\u{FF09}\u{4EF6}\u{3067}\u{3059}\u{FF01}\n";

fn repeat(head: &str, block: &str, size: usize) -> String {
    let mut s = String::with_capacity(size + block.len());
    s.push_str(head);
    while s.len() < size {
        s.push_str(block);
    }
    s
}

/// Best MB/s over `runs` scans of `text` as `role`, and the markers found.
fn measure(text: &str, role: Role, runs: usize) -> (f64, usize) {
    let mut best = f64::MAX;
    let mut out: Vec<Marker> = Vec::new();
    for _ in 0..runs {
        out.clear();
        let t = Instant::now();
        marker::scan(std::hint::black_box(text), role, &mut out);
        best = best.min(t.elapsed().as_secs_f64());
    }
    (text.len() as f64 / best / 1e6, out.len())
}

fn main() {
    let size = 200 * 1024;
    let runs = 200;
    // Compile the boilerplate table before timing.
    marker::scan("warm up", Role::User, &mut Vec::new());
    for (name, head, block) in [
        ("agent-like", HEAD, BODY),
        ("pure ASCII source", "", ASCII),
        ("CJK prose", "", CJK),
    ] {
        let text = repeat(head, block, size);
        let non_ascii = text.chars().filter(|c| !c.is_ascii()).count();
        for role in [Role::System, Role::User] {
            let (mbs, found) = measure(&text, role, runs);
            println!(
                "{name:>18}, {} KB, {:.2}% non-ASCII characters, as {:<6}: {mbs:>7.0} MB/s ({found} markers)",
                text.len() / 1024,
                100.0 * non_ascii as f64 / text.chars().count() as f64,
                role.as_str(),
            );
        }
    }
}
