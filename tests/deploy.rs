//! Issue 22, point 3: the manifests in `deploy/` parse, use the Job and
//! Slurm fields they need consistently (N shards everywhere), and, run here
//! as the scheduler would run them (each index with its environment, then
//! the merge step), give the inventory of one run.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::db::rows;
use yaml_rust2::{Yaml, YamlLoader};

const KEY: &str = "deploy-test-key";

fn deploy(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy").join(p)
}

fn load(p: &str) -> Yaml {
    let text = std::fs::read_to_string(deploy(p)).unwrap();
    let mut docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{p}: {e}"));
    assert_eq!(docs.len(), 1, "{p}: one document");
    docs.remove(0)
}

/// A share to scan, and the inventory of one plain run over it.
fn share(dir: &Path) -> (PathBuf, (Vec<String>, Vec<String>)) {
    let share = dir.join("share");
    for sub in ["crm", "mail", "logs", "chats"] {
        std::fs::create_dir_all(share.join(sub)).unwrap();
        common::copy_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(sub), &share.join(sub));
    }
    let o = Command::new(env!("CARGO_BIN_EXE_piiscan"))
        .args(["scan", "-q", "--summary", "--db"])
        .arg(dir.join("one.db"))
        .arg(&share)
        .env("PIISCAN_KEY", KEY)
        .output()
        .unwrap();
    assert!(o.status.code().unwrap_or(9) <= 1);
    let one = rows(&dir.join("one.db"));
    assert!(one.1.len() > 300);
    (share, one)
}

/// PATH with the built binary first.
fn path_with_piiscan() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_piiscan")).parent().unwrap().display().to_string();
    format!("{bin}:{}", std::env::var("PATH").unwrap_or_default())
}

fn strings(y: &Yaml) -> Vec<String> {
    y.as_vec().unwrap().iter().map(|a| a.as_str().map(str::to_string).unwrap_or_else(|| format!("{a:?}"))).collect()
}

#[test]
fn the_kubernetes_indexed_job_and_merge_give_the_inventory_of_one_run() {
    let job = load("kubernetes/scan-shards.yaml");
    assert_eq!(job["apiVersion"].as_str(), Some("batch/v1"));
    assert_eq!(job["kind"].as_str(), Some("Job"));
    let spec = &job["spec"];
    assert_eq!(spec["completionMode"].as_str(), Some("Indexed"));
    let n = spec["completions"].as_i64().unwrap();
    assert_eq!(spec["parallelism"].as_i64(), Some(n));
    let pod = &spec["template"]["spec"];
    assert!(matches!(pod["restartPolicy"].as_str(), Some("Never" | "OnFailure")));
    let c = &pod["containers"][0];
    assert_eq!(strings(&c["command"]), ["piiscan"]);
    let args = strings(&c["args"]);
    let at = args.iter().position(|a| a == "--shard").unwrap();
    assert_eq!(args[at + 1], format!("auto/{n}"), "the shard count is the Job's completions");
    let code = args.iter().position(|a| a == "--exit-code").unwrap();
    assert_eq!(args[code + 1], "0", "findings must not fail the pod");
    assert_eq!(c["env"][0]["name"].as_str(), Some("PIISCAN_KEY"));
    assert!(c["env"][0]["valueFrom"]["secretKeyRef"]["name"].as_str().is_some(), "the key comes from a Secret");
    // Every mount has its volume.
    let volumes: Vec<&str> = pod["volumes"].as_vec().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
    let mounts: Vec<(String, String)> = c["volumeMounts"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|m| (m["name"].as_str().unwrap().to_string(), m["mountPath"].as_str().unwrap().to_string()))
        .collect();
    for (name, _) in &mounts {
        assert!(volumes.contains(&name.as_str()), "mount {name} has no volume");
    }
    let merge = load("kubernetes/merge.yaml");
    assert_eq!(merge["kind"].as_str(), Some("Job"));
    let mc = &merge["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(strings(&mc["command"]), ["sh", "-c"]);
    let merge_script = strings(&mc["args"]).join(" ");
    // Run it here: each index as the Job controller would (the index in the
    // environment and expanded in the arguments), the mounts as folders.
    let d = tempfile::tempdir().unwrap();
    let (share, one) = share(d.path());
    let inventory = d.path().join("inventory");
    std::fs::create_dir_all(&inventory).unwrap();
    // A mount path at the start of a word becomes the local folder.
    let mount = |s: &str| -> String {
        let word = |w: &str| -> String {
            for (name, at) in &mounts {
                if let Some(rest) = w.strip_prefix(at.as_str()).filter(|r| r.is_empty() || r.starts_with('/')) {
                    let local = if name == "share" { &share } else { &inventory };
                    return format!("{}{rest}", local.display());
                }
            }
            w.to_string()
        };
        s.split(' ').map(word).collect::<Vec<_>>().join(" ")
    };
    for k in 0..n {
        let args: Vec<String> =
            args.iter().map(|a| mount(&a.replace("$(JOB_COMPLETION_INDEX)", &k.to_string()))).collect();
        let o = Command::new(env!("CARGO_BIN_EXE_piiscan"))
            .args(&args)
            .env("JOB_COMPLETION_INDEX", k.to_string())
            .env("PIISCAN_KEY", KEY)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "index {k}: {}", String::from_utf8_lossy(&o.stderr));
    }
    let o = Command::new("sh").args(["-c", &mount(&merge_script)]).env("PATH", path_with_piiscan()).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(rows(&inventory.join("inventory.db")), one);
    assert!(inventory.join("report.html").is_file() && inventory.join("stores.csv").is_file());
}

#[test]
fn the_slurm_array_and_merge_give_the_inventory_of_one_run() {
    let script = std::fs::read_to_string(deploy("slurm/scan.sbatch")).unwrap();
    let array = script.lines().find_map(|l| l.strip_prefix("#SBATCH --array=")).unwrap();
    let (lo, hi) = array.split_once('-').unwrap();
    let shards: i64 = script.lines().find_map(|l| l.strip_prefix("SHARDS=")).unwrap().parse().unwrap();
    assert_eq!((lo.parse::<i64>().unwrap(), hi.parse::<i64>().unwrap()), (0, shards - 1), "array 0..N-1");
    let run = std::fs::read_to_string(deploy("slurm/run.sh")).unwrap();
    assert!(run.contains("--dependency=\"afterok:${jid}\""), "merge waits for every task");
    let d = tempfile::tempdir().unwrap();
    let (share, one) = share(d.path());
    let out = d.path().join("out");
    let bash = |file: &str, task: Option<i64>| {
        let mut c = Command::new("bash");
        c.arg(deploy(file)).env("PATH", path_with_piiscan()).env("SHARE", &share).env("OUT", &out);
        c.env("PIISCAN_KEY", KEY).env_remove("JOB_COMPLETION_INDEX").env("SLURM_CPUS_PER_TASK", "1");
        if let Some(k) = task {
            c.env("SLURM_ARRAY_TASK_ID", k.to_string());
        }
        let o = c.output().unwrap();
        assert!(o.status.success(), "{file} {task:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    for k in 0..shards {
        bash("slurm/scan.sbatch", Some(k));
    }
    bash("slurm/merge.sbatch", None);
    assert_eq!(rows(&out.join("inventory.db")), one);
    for f in ["parallel-ssh.sh", "slurm/run.sh", "slurm/merge.sbatch", "slurm/scan.sbatch"] {
        let o = Command::new("bash").arg("-n").arg(deploy(f)).output().unwrap();
        assert!(o.status.success(), "{f} does not parse");
    }
}
