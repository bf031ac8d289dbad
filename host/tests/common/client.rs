//! A plain HTTP/1.1 client over `std::net::TcpStream`, for the serve tests: it writes the
//! exact bytes a test gives and reads one response at a time, so keep-alive, HEAD and
//! pipelining are visible.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// One response as read off the wire.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    /// The value of header `name` (any case), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A connection to a server.
pub struct Client {
    reader: BufReader<TcpStream>,
}

impl Client {
    pub fn connect(address: &str) -> Client {
        let stream =
            TcpStream::connect(address).unwrap_or_else(|e| panic!("connect {address}: {e}"));
        // A bound on every read, so a server bug fails the test instead of hanging it.
        stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        Client { reader: BufReader::new(stream) }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.reader.get_mut().write_all(bytes).expect("write the request");
    }

    /// `GET path` with a Host header, keeping the connection.
    pub fn get(&mut self, path: &str) -> Reply {
        self.send(format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes());
        self.read(false)
    }

    /// Reads one response; `head` for the answer to a HEAD request (no body follows).
    pub fn read(&mut self, head: bool) -> Reply {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("read the status line");
        assert!(line.starts_with("HTTP/1.1 "), "status line {line:?}");
        let status = line[9..12].parse().expect("a status code");
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).expect("read a header");
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(": ").expect("a header line");
            headers.push((name.to_string(), value.to_string()));
        }
        let mut reply = Reply { status, headers, body: Vec::new() };
        if !head && status != 304 {
            let length: usize = reply
                .header("Content-Length")
                .expect("a Content-Length")
                .parse()
                .expect("a numeric Content-Length");
            reply.body = vec![0; length];
            self.reader.read_exact(&mut reply.body).expect("read the body");
        }
        reply
    }

    /// Whether the server closed the connection (a read returns end of stream).
    pub fn is_closed_by_server(&mut self) -> bool {
        let mut byte = [0u8; 1];
        matches!(self.reader.read(&mut byte), Ok(0))
    }
}

/// One request on a new connection.
pub fn get(address: &str, path: &str) -> Reply {
    Client::connect(address).get(path)
}

impl Client {
    /// A client over an existing stream.
    pub fn from_stream(stream: TcpStream) -> Client {
        stream.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        Client { reader: BufReader::new(stream) }
    }

    /// Keeps sending `byte` (a slowloris) until the server answers, then reads the answer.
    /// Bounded: after a minute without an answer the test fails.
    pub fn read_trickling(&mut self, byte: &[u8]) -> Reply {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let waiting = self.reader.fill_buf().map(|b| b.is_empty());
            match waiting {
                Ok(false) => break,
                Ok(true) => panic!("closed without an answer"),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    assert!(std::time::Instant::now() < deadline, "no answer to a slow client");
                    // The server may have closed its side already; a failed write is fine.
                    let _ = self.reader.get_mut().write_all(byte);
                }
                Err(e) => panic!("reading: {e}"),
            }
        }
        self.reader.get_mut().set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        self.read(false)
    }
}

impl Client {
    /// Opens the live-reload event stream: the response head, then the `retry` line.
    pub fn events(address: &str) -> Client {
        let mut client = Client::connect(address);
        client.send(b"GET /__dodeca/events HTTP/1.1\r\nHost: t\r\n\r\n");
        let head = client.read(true);
        assert_eq!(head.status, 200);
        assert_eq!(head.header("Content-Type"), Some("text/event-stream"));
        assert_eq!(client.read_event(), "retry: 1000");
        client
    }

    /// The next server-sent event, its lines joined by `\n` (comment lines skipped).
    pub fn read_event(&mut self) -> String {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let read = self.reader.read_line(&mut line).expect("read an event line");
            assert!(read > 0, "the event stream closed");
            let line = line.trim_end_matches('\n');
            if line.is_empty() {
                if lines.is_empty() {
                    continue;
                }
                return lines.join("\n");
            }
            if !line.starts_with(':') {
                lines.push(line.to_string());
            }
        }
    }
}
