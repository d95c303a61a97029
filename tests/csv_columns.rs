//! Issue 20, point 4: redaction keeps a CSV's columns. A name spread over
//! `title,first_name,surname` cells used to become one `[NAME]`, two fields
//! short; now every row keeps its field count after `subject erase` and
//! after `redact`, on generated tables with split names and on every CSV
//! fixture (the development set's included).

mod common;

use std::path::{Path, PathBuf};

use common::{copy_tree, piiscan, walk};

/// Field count of each record.
fn shape(p: &Path) -> Vec<usize> {
    let delim = if p.extension().is_some_and(|e| e == "tsv") { b'\t' } else { b',' };
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delim)
        .from_path(p)
        .unwrap()
        .byte_records()
        .map(|r| r.map(|r| r.len()).unwrap_or(0))
        .collect()
}

#[test]
fn subject_erase_keeps_every_rows_field_count() {
    let d = tempfile::tempdir().unwrap();
    let people =
        [("Mrs", "Keira", "Barnes"), ("Mr", "Tom", "Hughes"), ("Dr", "Aisha", "Rahman"), ("Ms", "Zoe", "Ward")];
    let mut csv = String::from("title,first_name,surname,email,notes\n");
    for (k, (t, f, s)) in people.iter().enumerate() {
        let email = format!("{}.{}{k}@gmail.com", f.to_lowercase(), s.to_lowercase());
        csv.push_str(&format!("{t},{f},{s},{email},\"called {f} {s}, then wrote\"\n"));
    }
    let path = d.path().join("people.csv");
    std::fs::write(&path, &csv).unwrap();
    let before = shape(&path);
    for (k, (_, f, s)) in people.iter().enumerate().take(3) {
        let email = format!("{}.{}{k}@gmail.com", f.to_lowercase(), s.to_lowercase());
        let o = piiscan(&[
            "subject",
            "erase",
            "-q",
            "--name",
            &format!("{f} {s}"),
            "--email",
            &email,
            "--in-place",
            path.to_str().unwrap(),
        ]);
        assert!(o.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&o.stderr));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&email), "{email} erased");
        assert_eq!(shape(&path), before, "after erasing {f} {s}:\n{text}");
    }
    // The person not asked for is untouched.
    assert!(std::fs::read_to_string(&path).unwrap().contains("Zoe,Ward,zoe.ward3@gmail.com"));
}

#[test]
fn redact_keeps_every_csv_fixtures_field_count() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let d = tempfile::tempdir().unwrap();
    let input = d.path().join("in");
    std::fs::create_dir(&input).unwrap();
    copy_tree(&fixtures, &input);
    let csvs: Vec<PathBuf> =
        walk(&input).into_iter().filter(|p| p.extension().is_some_and(|e| e == "csv" || e == "tsv")).collect();
    assert!(csvs.len() >= 10, "{} CSV fixtures", csvs.len());
    let out = d.path().join("out");
    for style in ["label", "mask", "hash"] {
        let o = piiscan(&[
            "redact",
            "-q",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--default-style",
            style,
        ]);
        assert!(o.status.code().is_some_and(|c| c <= 1), "{style}: {}", String::from_utf8_lossy(&o.stderr));
        let mut checked = 0;
        for p in &csvs {
            let q = out.join(p.strip_prefix(&input).unwrap());
            if q.exists() {
                assert_eq!(shape(&q), shape(p), "{style}: {}", q.display());
                checked += 1;
            }
        }
        assert!(checked >= 10, "{style}: {checked} redacted CSV files compared");
        std::fs::remove_dir_all(&out).unwrap();
    }
}
