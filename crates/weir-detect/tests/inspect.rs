//! A whole request inspected: findings name their field and role, markers are found however the
//! text is split across content blocks or escaped in JSON, and the rewrite keeps the body valid
//! JSON, changes only what it must, and leaves a request with nothing to change alone.

use proptest::prelude::*;
use weir_detect::inspect::{self, Kind, Treatment};
use weir_detect::marker::MarkerKind;
use weir_detect::{Field, Request, Role};

fn request(body: &str) -> Request {
    Request {
        method: "POST".into(),
        path: "/v1/messages".into(),
        headers: vec![
            (
                "user-agent".into(),
                "claude-cli/2.1.329 (external, cli)".into(),
            ),
            ("x-stainless-os".into(), "Linux".into()),
        ],
        body: body.as_bytes().to_vec(),
    }
}

fn fields(i: &inspect::Inspection, kind: MarkerKind) -> Vec<(String, Role)> {
    i.markers
        .iter()
        .filter(|m| m.item.kind == kind)
        .map(|m| (m.field.to_string(), m.role))
        .collect()
}

#[test]
fn markers_split_across_blocks_and_escaped_in_json_are_each_found() {
    // A tag-character message cut in two blocks, written as JSON escapes (surrogate pairs), and
    // a zero-width space escaped as \u200b in a third.
    let body = r#"{"model":"m","system":[
        {"type":"text","text":"Rules.\udb40\udc75\udb40\udc69"},
        {"type":"text","text":"\udb40\udc64 More rules."},
        {"type":"text","text":"Keep\u200bgoing."}],
      "messages":[{"role":"user","content":"hi"}]}"#;
    let req = request(body);
    let i = inspect::inspect(&req);
    assert_eq!(
        fields(&i, MarkerKind::Tag),
        vec![
            ("system[0].text".to_owned(), Role::System),
            ("system[1].text".to_owned(), Role::System)
        ]
    );
    let tag = i
        .markers
        .iter()
        .find(|m| m.item.kind == MarkerKind::Tag)
        .unwrap();
    assert_eq!(tag.item.hidden.as_deref(), Some("ui"));
    assert_eq!(tag.item.span, 6..14, "span in the decoded text");
    assert_eq!(
        fields(&i, MarkerKind::Invisible),
        vec![("system[2].text".to_owned(), Role::System)]
    );
    let zw = i
        .markers
        .iter()
        .find(|m| m.item.kind == MarkerKind::Invisible)
        .unwrap();
    assert_eq!(zw.item.code_points, vec!['\u{200B}']);
    assert_eq!(i.client.tool, "claude-code");
    assert!(
        i.facts
            .iter()
            .any(|f| f.field == Field::Header("x-stainless-os".into()) && f.item.value == "Linux")
    );
}

#[test]
fn stripping_keeps_the_body_json_and_touches_only_the_values_with_markers() {
    let body = r#"{"model":"m","system":"Be brief.\u200b","messages":[{"role":"user","content":"Keep \"this\" \/ as written \u0041"}]}"#;
    let req = request(body);
    let i = inspect::inspect(&req);
    let r = i
        .rewrite(
            &req.body,
            &|k| match k {
                Kind::Marker(_) => Treatment::Strip,
                Kind::Fact(_) => Treatment::Report,
            },
            &|_, v| v.to_owned(),
        )
        .expect("a marker to strip");
    let text = String::from_utf8(r.body.clone()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["system"], "Be brief.");
    // The other value keeps its escapes byte for byte.
    assert!(
        text.contains(r#""Keep \"this\" \/ as written \u0041""#),
        "{text}"
    );
    assert_eq!(
        r.applied,
        vec![(
            Kind::Marker(MarkerKind::Invisible),
            Field::Body("system".into()),
            Treatment::Strip
        )]
    );
}

#[test]
fn reporting_only_rewrites_nothing() {
    let body = r#"{"model":"m","system":"cwd: /home/bob/x\u200b","messages":[]}"#;
    let req = request(body);
    let i = inspect::inspect(&req);
    assert!(!i.is_empty());
    assert!(
        i.rewrite(&req.body, &|_| Treatment::Report, &|_, v| v.to_owned())
            .is_none()
    );
}

#[test]
fn kinds_and_treatments_round_trip_through_their_names() {
    for k in Kind::all() {
        assert_eq!(Kind::parse(k.as_str()), Some(k));
    }
    for t in [Treatment::Report, Treatment::Strip, Treatment::Normalize] {
        assert_eq!(Treatment::parse(t.as_str()), Some(t));
    }
    assert_eq!(Kind::parse("nonsense"), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever the text, normalising everything gives a body that is still JSON with the same
    /// shape, and inspecting that body again finds no hidden characters.
    #[test]
    fn normalising_keeps_json_and_leaves_nothing_hidden(
        parts in proptest::collection::vec(
            prop_oneof![
                "[a-zA-Z0-9 .,:/'-]{0,12}",
                Just("\u{200B}".to_owned()),
                Just("\u{202E}".to_owned()),
                Just("\u{E0041}\u{E0042}".to_owned()),
                Just("\u{2019}".to_owned()),
                Just("\u{00A0}".to_owned()),
                Just("/home/carol/src".to_owned()),
                Just("\"\\\n".to_owned()),
            ],
            0..12,
        )
    ) {
        let text: String = parts.concat();
        let body = serde_json::json!({
            "model": "m",
            "system": text,
            "messages": [{"role": "user", "content": text}],
        })
        .to_string();
        let req = request(&body);
        let i = inspect::inspect(&req);
        let out = i
            .rewrite(&req.body, &|_| Treatment::Normalize, &|k, _| format!("{}-x", k.as_str()))
            .map_or(req.body.clone(), |r| r.body);
        let v: serde_json::Value = serde_json::from_slice(&out).expect("still JSON");
        prop_assert_eq!(&v["messages"][0]["role"], "user");
        let again_req = Request { body: out, ..req.clone() };
        let again = inspect::inspect(&again_req);
        prop_assert!(
            again.markers.iter().all(|m| !m.item.kind.is_hidden()),
            "hidden markers left: {:?}",
            again.markers
        );
    }
}
