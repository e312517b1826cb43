//! Where captures go: one file per request, numbered, written whole or not at all.

use std::io;
use std::path::Path;

/// The highest request number among the capture files already in `dir` (`0042-post-….json`),
/// 0 when there are none: a second run into the same directory continues the numbering
/// instead of overwriting.
pub fn last_seq(dir: &Path) -> io::Result<u64> {
    let mut last = 0;
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.ends_with(".json") {
            continue;
        }
        let digits: &str = name.split('-').next().unwrap_or_default();
        if digits.len() >= 4
            && digits.bytes().all(|b| b.is_ascii_digit())
            && let Ok(n) = digits.parse::<u64>()
        {
            last = last.max(n);
        }
    }
    Ok(last)
}

/// Writes `bytes` to `dir/name` through a temporary file and a rename, so a reader (or a
/// capture stopped halfway) never sees a partial capture.
pub async fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let tmp = dir.join(format!(".{name}.tmp"));
    tokio::fs::write(&tmp, bytes).await?;
    match tokio::fs::rename(&tmp, dir.join(name)).await {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = tokio::fs::remove_file(&tmp).await;
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_continues_after_existing_captures() {
        let dir = std::env::temp_dir().join(format!("weir-capture-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(last_seq(&dir).unwrap(), 0);
        for name in [
            "0003-post-v1_messages.json",
            "0012-get-v1_models.json",
            "99-x.json",
            "0100-post-x.txt",
            "env.json",
        ] {
            std::fs::write(dir.join(name), b"{}").unwrap();
        }
        assert_eq!(last_seq(&dir).unwrap(), 12);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn writes_leave_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("weir-capture-write-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        write_atomic(&dir, "0001-post-x.json", b"{\"a\":1}")
            .await
            .unwrap();
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["0001-post-x.json"]);
        assert_eq!(
            std::fs::read(dir.join("0001-post-x.json")).unwrap(),
            b"{\"a\":1}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
