//! The one file of a pushed `multipart/form-data` body, read from the spooled body. Every NuGet
//! client sends one part; NuGet 2.x on mono ends it with a bare `\n` before the closing
//! delimiter rather than RFC 2046's `\r\n`, which strict parsers refuse, so the body is read
//! here: the part's headers end at the first empty line (CRLF or LF), the file at the last
//! delimiter, and a second delimiter in between refuses the body.

use std::io::{Read, Seek, SeekFrom, Write};

use tributary_model::ServiceError;

/// The most bytes of part headers read.
const MAX_HEAD: u64 = 64 * 1024;

fn bad(why: &str) -> ServiceError {
    ServiceError::validation(format!(
        "the push is not a valid multipart/form-data body: {why}; push the .nupkg with `nuget push`"
    ))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// The byte range of the file in a body of `size` bytes.
pub fn file_range<R: Read + Seek>(body: &mut R, size: u64, boundary: &str) -> Result<(u64, u64), ServiceError> {
    let delimiter = format!("--{boundary}").into_bytes();
    let io = |e: std::io::Error| ServiceError::internal(format!("cannot read the spooled push: {e}"));
    let mut head = Vec::new();
    body.seek(SeekFrom::Start(0)).map_err(io)?;
    body.by_ref().take(MAX_HEAD.min(size)).read_to_end(&mut head).map_err(io)?;
    let first = find(&head, &delimiter).ok_or_else(|| bad("it does not start with its boundary"))?;
    let after = first + delimiter.len();
    let (blank, width) = match (find(&head[after..], b"\r\n\r\n"), find(&head[after..], b"\n\n")) {
        (Some(crlf), Some(lf)) if lf < crlf => (lf, 2),
        (Some(crlf), _) => (crlf, 4),
        (None, Some(lf)) => (lf, 2),
        (None, None) => return Err(bad("the part's headers do not end")),
    };
    let start = (after + blank + width) as u64;
    let tail_len = MAX_HEAD.min(size);
    let mut tail = Vec::new();
    body.seek(SeekFrom::Start(size - tail_len)).map_err(io)?;
    body.by_ref().take(tail_len).read_to_end(&mut tail).map_err(io)?;
    let last = rfind(&tail, &delimiter).ok_or_else(|| bad("it does not end with its boundary"))?;
    let mut end = size - tail_len + last as u64;
    if end >= 2 && tail[..last].ends_with(b"\r\n") {
        end -= 2;
    } else if end >= 1 && tail[..last].ends_with(b"\n") {
        end -= 1;
    }
    if end < start {
        return Err(bad("it holds no file"));
    }
    // A second part would sit between the two: refuse it rather than store it in the package.
    let marker: Vec<u8> = [b"\n".as_slice(), &delimiter].concat();
    body.seek(SeekFrom::Start(start)).map_err(io)?;
    let mut window: Vec<u8> = Vec::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut remaining = end - start;
    while remaining > 0 {
        let want = remaining.min(buffer.len() as u64) as usize;
        let n = body.read(&mut buffer[..want]).map_err(io)?;
        if n == 0 {
            break;
        }
        remaining -= n as u64;
        window.extend_from_slice(&buffer[..n]);
        if find(&window, &marker).is_some() {
            return Err(bad("it holds more than one part; push one package per request"));
        }
        let keep = window.len().saturating_sub(marker.len());
        window.drain(..keep);
    }
    Ok((start, end))
}

/// The file of a spooled multipart body, copied to a new temporary file (rewound).
pub fn extract(mut body: std::fs::File, size: u64, boundary: &str) -> Result<std::fs::File, ServiceError> {
    let (start, end) = file_range(&mut body, size, boundary)?;
    let io = |e: std::io::Error| ServiceError::internal(format!("cannot copy the pushed package: {e}"));
    let mut file = tempfile::tempfile().map_err(io)?;
    body.seek(SeekFrom::Start(start)).map_err(io)?;
    std::io::copy(&mut body.take(end - start), &mut file).map_err(io)?;
    file.flush().map_err(io)?;
    file.rewind().map_err(io)?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn range(body: &[u8]) -> Result<Vec<u8>, String> {
        let mut cursor = Cursor::new(body.to_vec());
        file_range(&mut cursor, body.len() as u64, "XyZ")
            .map(|(s, e)| body[s as usize..e as usize].to_vec())
            .map_err(|e| e.message)
    }

    #[test]
    fn crlf_and_lf_bodies() {
        let crlf = b"--XyZ\r\nContent-Disposition: form-data; name=\"package\"; filename=\"p.nupkg\"\r\n\r\nPK\x03\x04data\r\n--XyZ--\r\n";
        assert_eq!(range(crlf).expect("read"), b"PK\x03\x04data");
        // NuGet 2.8 on mono: CRLF headers, a bare LF before the closing delimiter, nothing after.
        let mono = b"--XyZ\r\nContent-Type: application/octet-stream\r\n\r\nPK\x03\x04data\n--XyZ--";
        assert_eq!(range(mono).expect("read"), b"PK\x03\x04data");
        let preamble = b"\r\n--XyZ\nContent-Type: x\n\nbytes\n--XyZ--\n";
        assert_eq!(range(preamble).expect("read"), b"bytes");
    }

    #[test]
    fn refused() {
        assert!(range(b"no boundary here").is_err());
        assert!(range(b"--XyZ\r\nContent-Type: x").expect_err("no end").contains("headers"));
        let two = b"--XyZ\r\n\r\none\r\n--XyZ\r\n\r\ntwo\r\n--XyZ--\r\n";
        assert!(range(two).expect_err("two parts").contains("more than one part"));
    }
}
