//! Starts a test's host fixtures, hands their ports to the test as
//! variables, and reports their traffic when the test ends.

use std::collections::BTreeMap;

use crate::config::{Fixtures, HttpFixture};
use crate::fixtures::{DnsServer, EchoServer, HttpServer};

/// Fixtures of one running test; they stop when this drops.
#[derive(Default)]
pub struct Running {
    http: Option<HttpServer>,
    dns: Option<DnsServer>,
    echo: Option<EchoServer>,
}

impl Running {
    /// Starts what `f` asks for; the ports go into `vars` as `http_port`,
    /// `dns_port` and `echo_port` (and the hostile fixture's addresses as
    /// `hostile_guest_ip`, `hostile_host_ip`).
    pub fn start(f: &Fixtures, vars: &mut BTreeMap<String, String>) -> std::io::Result<Running> {
        let mut r = Running::default();
        if let Some(http) = &f.http {
            let server = match http {
                HttpFixture::Root(dir) => HttpServer::start(dir)?,
                HttpFixture::Files(files) => HttpServer::start_with(files.clone())?,
            };
            vars.insert("http_port".into(), server.port().to_string());
            r.http = Some(server);
        }
        if let Some(names) = &f.dns {
            let server = DnsServer::start(names.clone())?;
            vars.insert("dns_port".into(), server.port().to_string());
            r.dns = Some(server);
        }
        // The NIC itself belongs to the launcher (QEMU's command line needs
        // its ports); the test sees the addresses.
        if let Some(h) = &f.hostile {
            vars.insert("hostile_guest_ip".into(), h.guest_ip.to_string());
            vars.insert("hostile_host_ip".into(), h.host_ip.to_string());
        }
        if f.echo {
            let server = EchoServer::start()?;
            vars.insert("echo_port".into(), server.port().to_string());
            r.echo = Some(server);
        }
        Ok(r)
    }

    /// One line per request or query the fixtures saw, for the report.
    pub fn traffic(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(h) = &self.http {
            for r in h.requests() {
                lines.push(format!("http fixture: {} {} -> {} ({} bytes)", r.method, r.path, r.status, r.bytes));
            }
        }
        if let Some(d) = &self.dns {
            for q in d.queries() {
                let answer = q.answer.map(|a| format!(" {a}")).unwrap_or_default();
                lines.push(format!("dns fixture: {} {} {} -> {}{answer}", q.transport, q.qtype, q.name, q.rcode));
            }
        }
        if let Some(e) = &self.echo {
            lines.push(format!("echo fixture: {} connection(s), {} bytes echoed", e.connections(), e.bytes_echoed()));
        }
        lines
    }
}
