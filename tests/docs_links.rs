//! Every relative link in the README, `docs/` and the per-folder READMEs resolves to a file or
//! folder inside the repository (a link into `../shared` or another checkout would be dead for
//! every reader of the published docs). Web links and in-page anchors are not checked here.

use std::path::{Component, Path, PathBuf};

/// Markdown files whose links are checked: the README and everything under these folders.
const ROOTS: [&str; 5] = ["docs", "datasets", "models", "benches", "tools"];

fn markdown_files(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![root.join("README.md")];
    let mut stack: Vec<PathBuf> = ROOTS.iter().map(|r| root.join(r)).collect();
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Targets of inline links `[text](target)` and images `![alt](target)`, outside code spans
/// and fenced code blocks.
fn link_targets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Drop inline code spans: `[x](y)` inside backticks is an example, not a link.
        let plain: String = line
            .split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 0)
            .map(|(_, s)| s)
            .collect();
        let mut rest = plain.as_str();
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].split_whitespace().next().unwrap_or("");
            out.push(target.to_owned());
            rest = &after[end..];
        }
    }
    out
}

/// `path` with `.` and `..` resolved lexically (no file system access).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[test]
fn every_relative_link_resolves_inside_the_repository() {
    let root = normalize(Path::new(env!("CARGO_MANIFEST_DIR")));
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in markdown_files(&root) {
        let text = std::fs::read_to_string(&file).unwrap();
        for target in link_targets(&text) {
            if target.is_empty()
                || target.starts_with('#')
                || target.contains("://")
                || target.starts_with("mailto:")
            {
                continue;
            }
            let path_part = target.split('#').next().unwrap();
            let resolved = normalize(&file.parent().unwrap().join(path_part));
            checked += 1;
            let rel = file.strip_prefix(&root).unwrap().display().to_string();
            if !resolved.starts_with(&root) {
                broken.push(format!("{rel}: {target} points outside the repository"));
            } else if !resolved.exists() {
                broken.push(format!("{rel}: {target} does not exist"));
            }
        }
    }
    assert!(checked > 0, "no links found: is the README missing?");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_link_checker_sees_links_and_skips_code() {
    let text =
        "see [a](docs/a.md) and ![fig](img/x.png#frag)\n`[no](code.md)`\n```\n[no](x)\n```\n";
    assert_eq!(link_targets(text), ["docs/a.md", "img/x.png#frag"]);
    assert_eq!(
        normalize(Path::new("/r/docs/../x/./y")),
        Path::new("/r/x/y")
    );
}
