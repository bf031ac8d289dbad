//! A minimal HTTP/1.1 client (keep-alive, `Content-Length` bodies) and the floor: a plain
//! threaded `std::net` server answering every request with the same bytes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

/// One keep-alive connection.
pub struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    host: String,
}

/// A response: its status, its head exactly as received, and its body.
pub struct Reply {
    pub status: u16,
    pub head: Vec<u8>,
    pub body: Vec<u8>,
}

impl Client {
    /// Connects to `address`; every read and write is bounded by `timeout`.
    pub fn connect(address: SocketAddr, timeout: Duration) -> std::io::Result<Client> {
        let stream = TcpStream::connect_timeout(&address, timeout)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        Ok(Client {
            reader: BufReader::with_capacity(64 << 10, stream.try_clone()?),
            writer: stream,
            host: address.to_string(),
        })
    }

    /// `GET path` on this connection.
    pub fn get(&mut self, path: &str) -> std::io::Result<Reply> {
        let request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\nAccept: */*\r\n\r\n", self.host);
        self.writer.write_all(request.as_bytes())?;
        read_reply(&mut self.reader)
    }
}

/// Reads one response's head and its `Content-Length` body.
fn read_reply(reader: &mut BufReader<TcpStream>) -> std::io::Result<Reply> {
    let mut head = Vec::with_capacity(512);
    let mut length = 0usize;
    loop {
        let start = head.len();
        if reader.read_until(b'\n', &mut head)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let line = &head[start..];
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        let text = String::from_utf8_lossy(line);
        if let Some((name, value)) = text.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().map_err(|_| bad("a bad Content-Length"))?;
        }
    }
    let status_line =
        String::from_utf8_lossy(&head[..head.iter().position(|&b| b == b'\n').unwrap_or(0)])
            .into_owned();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| bad("a bad status line"))?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Reply { status, head, body })
}

fn bad(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string())
}

/// `GET path` on a connection of its own.
pub fn get(address: SocketAddr, path: &str) -> std::io::Result<Reply> {
    Client::connect(address, Duration::from_secs(10))?.get(path)
}

/// Starts the floor on a free loopback port: a thread accepting connections, a thread per
/// connection reading each request's head and writing `response` (head and body, as the
/// cell sent them) in one write. Its threads live as long as the program.
pub fn start_floor(response: Vec<u8>) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let address = listener.local_addr()?;
    let response: Arc<[u8]> = response.into();
    std::thread::Builder::new().name("floor-accept".into()).spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let response = response.clone();
            let _ = std::thread::Builder::new()
                .name("floor-conn".into())
                .spawn(move || serve_connection(stream, &response));
        }
    })?;
    Ok(address)
}

fn serve_connection(stream: TcpStream, response: &[u8]) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(writer) = stream.try_clone() else { return };
    let mut writer = writer;
    let mut reader = BufReader::new(stream);
    let mut line = Vec::with_capacity(256);
    loop {
        // The request line and headers, up to the empty line (GET: no body).
        let mut lines = 0;
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == b"\r\n" || line == b"\n" {
                break;
            }
            lines += 1;
            if lines > 100 {
                return;
            }
        }
        if writer.write_all(response).is_err() {
            return;
        }
    }
}
