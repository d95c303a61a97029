//! Issue 20, point 2: redaction inside mail. A message's values are
//! redacted in their own transfer encodings (quoted-printable edited in
//! place, base64 encoded again, RFC 2047 header words written again),
//! attachments through their own format, forwarded messages (verbatim or
//! themselves encoded) one level deeper; the message still parses with the
//! same structure, and what held no value is byte for byte the same.

mod common;

use base64::Engine as _;
use common::piiscan;
use mail_parser::{MessageParser, MimeHeaders, PartType};

const NAME: &str = "Priya Ramaswamy";
const PHONE: &str = "07912 345678";
const EMAIL: &str = "priya.ramaswamy@outlook.com";

fn b64(data: &[u8]) -> String {
    let s = base64::engine::general_purpose::STANDARD.encode(data);
    s.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join("\r\n")
}

/// A message with the subject in every place mail keeps text.
fn message() -> Vec<u8> {
    let latin1: Vec<u8> = b"<p>Zo\xEB Thompson called from "
        .iter()
        .copied()
        .chain(PHONE.bytes())
        .chain(b"</p>".iter().copied())
        .collect();
    let inner_body = format!("Forwarded: please ring {NAME} on {PHONE}.\r\n");
    let csv = format!("name,email,phone\r\n{NAME},{EMAIL},{PHONE}\r\nTom Hughes,tom.hughes@gmail.com,07912 111222\r\n");
    let encoded_fwd = format!(
        "From: Desk <desk@example.org>\r\nSubject: old case\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Call back {NAME} on {PHONE} today.\r\n"
    );
    format!(
        "From: =?utf-8?q?Priya_?= =?utf-8?q?Ramaswamy?= <{EMAIL}>\r\n\
         To: desk@example.org\r\n\
         Subject: =?utf-8?b?{subject}?=\r\n\
         Thread-Topic: =?utf-8?q?callback_for_Priya_Ramaswamy?=\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
         \r\n\
         --b1\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: quoted-printable\r\n\
         \r\n\
         Hello, my number is {PHONE} and I am Priya Rama=\r\n\
         swamy. Caf=C3=A9 prices =3D fine.\r\n\
         \r\n\
         --b1\r\n\
         Content-Type: text/html; charset=iso-8859-1\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         {html}\r\n\
         --b1\r\n\
         Content-Type: message/rfc822\r\n\
         \r\n\
         From: Tom Hughes <tom.hughes@gmail.com>\r\n\
         Subject: inner\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b2\"\r\n\
         \r\n\
         --b2\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         {inner}\r\n\
         --b2\r\n\
         Content-Type: text/csv; name=\"list.csv\"\r\n\
         Content-Disposition: attachment; filename=\"list.csv\"\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         {csv}\r\n\
         --b2--\r\n\
         \r\n\
         --b1\r\n\
         Content-Type: message/rfc822\r\n\
         Content-Transfer-Encoding: base64\r\n\
         \r\n\
         {fwd}\r\n\
         --b1--\r\n",
        subject = base64::engine::general_purpose::STANDARD.encode(format!("Please call {NAME} back")),
        html = b64(&latin1),
        inner = b64(inner_body.as_bytes()),
        csv = b64(csv.as_bytes()),
        fwd = b64(encoded_fwd.as_bytes()),
    )
    .into_bytes()
}

/// Every text a reader sees in a message: headers, decoded bodies,
/// attachments and forwarded messages, recursively; and its structure
/// (each part's content type, by depth).
fn read(raw: &[u8], depth: usize, texts: &mut Vec<String>, shape: &mut Vec<String>) {
    let msg = MessageParser::default().parse(raw).expect("parses");
    let topic = msg.header("Thread-Topic").and_then(|h| h.as_text());
    texts.push(format!("{:?} {:?} {:?} {topic:?}", msg.from(), msg.to(), msg.subject()));
    for part in &msg.parts {
        let ct =
            part.content_type().map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or(""))).unwrap_or_default();
        shape.push(format!("{depth} {ct} {:?}", part.attachment_name()));
        match &part.body {
            PartType::Text(s) | PartType::Html(s) => texts.push(s.to_string()),
            PartType::Binary(b) | PartType::InlineBinary(b) => texts.push(String::from_utf8_lossy(b).into_owned()),
            PartType::Message(m) => read(m.raw_message(), depth + 1, texts, shape),
            PartType::Multipart(_) => {}
        }
    }
}

#[test]
fn redact_rewrites_mail_in_its_own_encodings() {
    let d = tempfile::tempdir().unwrap();
    let (src, out) = (d.path().join("in"), d.path().join("out"));
    std::fs::create_dir_all(&src).unwrap();
    let original = message();
    std::fs::write(src.join("case.eml"), &original).unwrap();
    let log = d.path().join("evidence.jsonl");
    let o = piiscan(&[
        "redact",
        "--verify",
        "--log",
        log.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        src.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("redacted 1 file(s)") && err.contains("0 residual finding(s)"), "{err}");
    // The evidence log says where inside the message each value was, and
    // holds no value.
    let evidence = std::fs::read_to_string(&log).unwrap();
    assert!(evidence.contains(r#""member":"attachment 3.2: list.csv""#), "{evidence}");
    assert!(evidence.contains(r#""part":"headers (decoded)""#), "{evidence}");
    assert!(!evidence.contains("Ramaswamy") && !evidence.contains("345678"), "{evidence}");
    let written = std::fs::read(out.join("case.eml")).unwrap();

    let (mut before, mut shape0) = (Vec::new(), Vec::new());
    read(&original, 0, &mut before, &mut shape0);
    let all = before.join("\n");
    for v in ["Ramaswamy", "345678", "Zoë Thompson", "priya.ramaswamy"] {
        assert!(all.contains(v), "the test message holds {v}");
    }
    let (mut after, mut shape1) = (Vec::new(), Vec::new());
    read(&written, 0, &mut after, &mut shape1);
    assert_eq!(shape0, shape1, "the same parts, types and attachment names");
    let all = after.join("\n");
    for v in ["Ramaswamy", "345678", "Zoë Thompson", "priya.ramaswamy", "Rama", "swamy"] {
        assert!(!all.contains(v), "{v} is left in what a reader sees:\n{all}");
    }
    // What held no value is still there, decoded: the other person in the
    // attachment is not a subject of this redaction... but a name all the same.
    assert!(all.contains("Café prices = fine."), "{all}");
    assert!(all.contains("name,email,phone"), "{all}");
    // Byte for byte: every boundary and every MIME header line, in order.
    let lines = |b: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(b)
            .split("\r\n")
            .filter(|l| l.starts_with("--b") || l.starts_with("Content-") || l.starts_with("MIME-"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(lines(&original), lines(&written));
    let text = String::from_utf8_lossy(&written);
    assert!(text.contains("Subject: inner\r\n"), "unchanged headers stay");
    // Quoted-printable edited in place: the escapes that held no value stay.
    assert!(text.contains("Caf=C3=A9 prices =3D fine."), "{text}");
    // Base64 bodies keep their line layout: CRLF, at most 76 characters.
    assert!(text.split("\r\n").all(|l| l.len() <= 998) && !text.replace("\r\n", "").contains('\n'));
}

/// In a mailbox, each message is rewritten on its own; messages without
/// findings inside an encoding are left exactly as they were.
#[test]
fn redact_rewrites_each_message_of_a_mailbox() {
    let d = tempfile::tempdir().unwrap();
    let (src, out) = (d.path().join("in"), d.path().join("out"));
    std::fs::create_dir_all(&src).unwrap();
    let first = "From MAILER-DAEMON Mon Nov  3 10:12:00 2025\nSubject: hello\n\nNothing personal here.\n\n";
    let second = format!(
        "From MAILER-DAEMON Mon Nov  3 10:13:00 2025\nSubject: case\nMIME-Version: 1.0\n\
         Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n{}\n",
        base64::engine::general_purpose::STANDARD.encode(format!("Customer {NAME}, mobile {PHONE}.\n"))
    );
    std::fs::write(src.join("desk.mbox"), format!("{first}{second}")).unwrap();
    let o = piiscan(&["redact", "--verify", "--out", out.to_str().unwrap(), src.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let written = String::from_utf8(std::fs::read(out.join("desk.mbox")).unwrap()).unwrap();
    assert!(written.starts_with(first), "{written}");
    let body = written[first.len()..].split("\n\n").nth(1).unwrap().trim();
    let plain = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(body).unwrap()).unwrap();
    assert!(plain.starts_with("Customer ") && !plain.contains("Ramaswamy") && !plain.contains("345678"), "{plain}");
}
