//! Every pattern's own examples and negative examples (from patterns/*.toml).
//!
//! An example marks the expected span with `[[` `]]`; the pattern's kind
//! must report exactly that span (other kinds may report other things). A
//! negative example must produce no finding of the pattern's kind at the
//! default minimum score.

use std::sync::Arc;

use piiscan::detect::{Engine, EngineOptions, FieldContext};
use piiscan::rules::RuleSet;

fn spans(engine: &Engine, text: &[u8], kind: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    engine.scan(text, &FieldContext::None, &mut out, &mut |_| {});
    out.iter().filter(|f| &*engine.rules().rules[f.rule].kind == kind).map(|f| (f.start, f.end)).collect()
}

#[test]
fn every_pattern_example_is_found_and_every_negative_is_not() {
    let rules = Arc::new(RuleSet::builtin().expect("built-in patterns compile"));
    let mut failures = Vec::new();
    let mut count = 0;
    for prefilter in [true, false] {
        let engine = Engine::new(rules.clone(), EngineOptions { prefilter, ..Default::default() });
        for rule in &rules.rules {
            assert!(!rule.def.examples.is_empty(), "pattern {} has no examples", rule.id);
            assert!(!rule.def.negative_examples.is_empty(), "pattern {} has no negative examples", rule.id);
            for ex in &rule.def.examples {
                // Strip markers, remembering the spans they enclose.
                let mut text = Vec::new();
                let mut want = Vec::new();
                let mut rest = ex.as_str();
                while let Some(i) = rest.find("[[") {
                    text.extend_from_slice(&rest.as_bytes()[..i]);
                    let after = &rest[i + 2..];
                    let j = after.find("]]").expect("unclosed [[ in example");
                    want.push((text.len(), text.len() + j));
                    text.extend_from_slice(&after.as_bytes()[..j]);
                    rest = &after[j + 2..];
                }
                text.extend_from_slice(rest.as_bytes());
                let got = spans(&engine, &text, &rule.kind);
                count += 1;
                if got != want {
                    failures.push(format!(
                        "{} (prefilter {prefilter}): example {ex:?}: want {want:?}, got {got:?}",
                        rule.id
                    ));
                }
            }
            for neg in &rule.def.negative_examples {
                let got = spans(&engine, neg.as_bytes(), &rule.kind);
                count += 1;
                if !got.is_empty() {
                    failures.push(format!("{} (prefilter {prefilter}): negative {neg:?} found {got:?}", rule.id));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {count} example checks failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn bad_pattern_file_names_file_id_and_problem() {
    let bad = r#"
kind = "custom"
[[pattern]]
id = "broken_one"
regex = "([a-z"
examples = ["x"]
"#;
    let err = RuleSet::load(&[("my-patterns.toml".into(), bad.into())]).unwrap_err().to_string();
    assert!(err.contains("my-patterns.toml") && err.contains("broken_one") && err.contains("regex"), "{err}");

    let unknown_validator = "[[pattern]]\nid = \"x1\"\nkind = \"k\"\nregex = \"a\"\nvalidator = \"nope\"\n";
    let err = RuleSet::load(&[("f.toml".into(), unknown_validator.into())]).unwrap_err().to_string();
    assert!(err.contains("f.toml") && err.contains("x1") && err.contains("nope"), "{err}");

    let unbounded = "[[pattern]]\nid = \"x2\"\nkind = \"k\"\nregex = \"\\\\d+\"\nanchor = \"digit\"\n";
    let err = RuleSet::load(&[("g.toml".into(), unbounded.into())]).unwrap_err().to_string();
    assert!(err.contains("x2") && err.contains("bounded"), "{err}");

    let unknown_key = "[[pattern]]\nid = \"x3\"\nkind = \"k\"\nregex = \"a\"\ncolour = 1\n";
    let err = RuleSet::load(&[("h.toml".into(), unknown_key.into())]).unwrap_err().to_string();
    assert!(err.contains("h.toml") && err.contains("colour"), "{err}");
}

#[test]
fn user_file_adds_overrides_and_disables() {
    let user = r#"
disable = ["ipv6"]
[[pattern]]
id = "employee_id"
kind = "employee_id"
regex = '''(?-u:\b)EMP-\d{6}(?-u:\b)'''
score = 0.9
[[pattern]]
id = "uk_postcode"
kind = "uk_postcode"
regex = '''(?-u:\b)ZZ9 9ZZ(?-u:\b)'''
anchor = "digit"
"#;
    let rules = RuleSet::load(&[("user.toml".into(), user.into())]).unwrap();
    assert!(!rules.rules.iter().any(|r| &*r.id == "ipv6"));
    let engine = Engine::new(Arc::new(rules), EngineOptions::default());
    assert_eq!(spans(&engine, b"staff EMP-123456 left", "employee_id"), vec![(6, 16)]);
    assert_eq!(spans(&engine, b"at ZZ9 9ZZ", "uk_postcode"), vec![(3, 10)]);
    assert!(spans(&engine, b"at SW1A 1AA", "uk_postcode").is_empty());
}
