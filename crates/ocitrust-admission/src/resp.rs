//! The few Redis replies the fact store reads (RESP2: simple strings, errors, integers, bulk
//! strings), read with a bound on every length before anything is allocated.
//!
//! Written here rather than taken from the `redis` crate: the store needs three commands, a hard
//! timeout on every read, and a bound on what a hostile or confused server may make it buffer; the
//! crate reads bulk replies of any announced size and brings an async stack with it.

use std::io::BufRead;

/// Longest status, error or integer line read.
pub const LINE_LENGTH_MAX: usize = 4096;

/// A reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `+OK`.
    Simple(String),
    /// `-ERR …`.
    Error(String),
    /// `:1`.
    Integer(i64),
    /// `$n` and its bytes, or `$-1` (nothing).
    Bulk(Option<Vec<u8>>),
}

/// A command as RESP: an array of bulk strings.
pub fn command(parts: &[&[u8]]) -> Vec<u8> {
    let mut bytes = format!("*{}\r\n", parts.len()).into_bytes();
    for part in parts {
        bytes.extend_from_slice(format!("${}\r\n", part.len()).as_bytes());
        bytes.extend_from_slice(part);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes
}

/// Reads one reply; a bulk string longer than `bulk_max` is refused before it is read.
pub fn read_reply(reader: &mut impl BufRead, bulk_max: usize) -> Result<Reply, String> {
    let line = read_line(reader)?;
    let (kind, rest) = line.split_first().ok_or("an empty reply line")?;
    let text = std::str::from_utf8(rest).map_err(|_| "a reply line that is not UTF-8".to_owned())?;
    match kind {
        b'+' => Ok(Reply::Simple(text.to_owned())),
        b'-' => Ok(Reply::Error(text.to_owned())),
        b':' => text
            .parse()
            .map(Reply::Integer)
            .map_err(|_| format!("an integer reply {text:?} that is not an integer")),
        b'$' if text == "-1" => Ok(Reply::Bulk(None)),
        b'$' => {
            let length: usize = text
                .parse()
                .map_err(|_| format!("a bulk length {text:?} that is not a length"))?;
            if length > bulk_max {
                return Err(format!("a bulk reply of {length} bytes, limit is {bulk_max}"));
            }
            let mut bytes = vec![0; length + 2];
            reader
                .read_exact(&mut bytes)
                .map_err(|e| format!("reading a reply: {e}"))?;
            if !bytes.ends_with(b"\r\n") {
                return Err("a bulk reply not ended by CRLF".into());
            }
            bytes.truncate(length);
            Ok(Reply::Bulk(Some(bytes)))
        }
        other => Err(format!(
            "a reply of type {:?}, which the fact store never asks for",
            *other as char
        )),
    }
}

/// One CRLF-ended line, without its CRLF, at most [`LINE_LENGTH_MAX`] bytes.
fn read_line(reader: &mut impl BufRead) -> Result<Vec<u8>, String> {
    let mut line = Vec::new();
    loop {
        let available = reader.fill_buf().map_err(|e| format!("reading a reply: {e}"))?;
        if available.is_empty() {
            return Err("the connection closed in the middle of a reply".into());
        }
        let (taken, ended) = match available.iter().position(|b| *b == b'\n') {
            Some(end) => (end + 1, true),
            None => (available.len(), false),
        };
        line.extend_from_slice(&available[..taken]);
        reader.consume(taken);
        if line.len() > LINE_LENGTH_MAX + 2 {
            return Err(format!("a reply line longer than {LINE_LENGTH_MAX} bytes"));
        }
        if ended {
            return match line.strip_suffix(b"\r\n") {
                Some(text) => Ok(text.to_vec()),
                None => Err("a reply line not ended by CRLF".into()),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> Result<Reply, String> {
        read_reply(&mut std::io::Cursor::new(bytes), 16)
    }

    #[test]
    fn replies_are_read_and_everything_else_refused() {
        assert_eq!(read(b"+OK\r\n"), Ok(Reply::Simple("OK".into())));
        assert_eq!(read(b"-ERR no\r\n"), Ok(Reply::Error("ERR no".into())));
        assert_eq!(read(b":42\r\n"), Ok(Reply::Integer(42)));
        assert_eq!(read(b"$-1\r\n"), Ok(Reply::Bulk(None)));
        assert_eq!(read(b"$3\r\na\r\n\r\n"), Ok(Reply::Bulk(Some(b"a\r\n".to_vec()))));
        for bad in [
            &b""[..],
            b"\r\n",
            b"+OK",
            b"+OK\n",
            b"*1\r\n$1\r\na\r\n",
            b":x\r\n",
            b"$17\r\n",
            b"$-2\r\n",
            b"$3\r\nab",
            b"$3\r\nabcd\r\n",
            b"$99999999999999999999999\r\n",
            b"+\xff\r\n",
        ] {
            assert!(read(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let long = [&b"+"[..], &vec![b'a'; LINE_LENGTH_MAX + 10], b"\r\n"].concat();
        assert!(read(&long).is_err());
    }

    #[test]
    fn commands_are_arrays_of_bulk_strings() {
        assert_eq!(
            command(&[b"GET", b"k\r\n"]),
            b"*2\r\n$3\r\nGET\r\n$3\r\nk\r\n\r\n".to_vec()
        );
    }
}
