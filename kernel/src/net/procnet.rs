//! /proc/net/dev, /proc/net/route and /proc/net/tcp in Linux's formats
//! (BusyBox `ifconfig`, `route` and `netstat` read them).

use alloc::format;
use alloc::string::String;

use smoltcp::socket::tcp;

use super::stack;

pub fn dev() -> String {
    let t = stack::snapshot();
    let mut s = String::from(
        "Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n",
    );
    for l in &t.links {
        let st = l.stats;
        s += &format!(
            "{:>6}:{:>8} {:>7} {:>4} {:>4} {:>4} {:>5} {:>10} {:>9} {:>8} {:>7} {:>4} {:>4} {:>4} {:>5} {:>7} {:>10}\n",
            l.name,
            st.rx_bytes,
            st.rx_packets,
            st.rx_errors,
            st.rx_dropped,
            0,
            0,
            0,
            0,
            st.tx_bytes,
            st.tx_packets,
            st.tx_errors,
            st.tx_dropped,
            0,
            0,
            0,
            0
        );
    }
    s
}

fn pad127(line: String) -> String {
    format!("{line:<127}\n")
}

pub fn route() -> String {
    let t = stack::snapshot();
    let mut s =
        pad127(String::from("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT"));
    for r in &t.routes {
        let Some(l) = t.link(r.oif) else { continue };
        // RTF_UP, RTF_GATEWAY
        let flags = 1 | if r.gateway.is_some() { 2 } else { 0 };
        s += &pad127(format!(
            "{}\t{:08X}\t{:08X}\t{:04X}\t0\t0\t{}\t{:08X}\t0\t0\t0",
            l.name,
            kernel_netlink::hex_le(r.dst),
            kernel_netlink::hex_le(r.gateway.unwrap_or([0; 4])),
            flags,
            r.metric,
            kernel_netlink::hex_le(kernel_netlink::mask(r.prefix).to_be_bytes())
        ));
    }
    s
}

fn state_code(s: tcp::State) -> u8 {
    match s {
        tcp::State::Established => 1,
        tcp::State::SynSent => 2,
        tcp::State::SynReceived => 3,
        tcp::State::FinWait1 => 4,
        tcp::State::FinWait2 => 5,
        tcp::State::TimeWait => 6,
        tcp::State::Closed => 7,
        tcp::State::CloseWait => 8,
        tcp::State::LastAck => 9,
        tcp::State::Listen => 10,
        tcp::State::Closing => 11,
    }
}

pub fn tcp() -> String {
    let mut s = String::from(
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n",
    );
    let _ = stack::with(|st| {
        let mut n = 0;
        let mut listed_listen = alloc::vec::Vec::new();
        for (_, sock) in st.sockets.iter() {
            let smoltcp::socket::Socket::Tcp(t) = sock else { continue };
            let state = t.state();
            if state == tcp::State::Closed {
                continue;
            }
            let (la, lp) = match t.local_endpoint() {
                Some(e) => (super::inet::v4(e.addr), e.port),
                None => {
                    let l = t.listen_endpoint();
                    (l.addr.map_or([0; 4], super::inet::v4), l.port)
                }
            };
            if state == tcp::State::Listen {
                // One line per listening port, as Linux has one socket.
                if listed_listen.contains(&lp) {
                    continue;
                }
                listed_listen.push(lp);
            }
            let (ra, rp) = t.remote_endpoint().map_or(([0; 4], 0), |e| (super::inet::v4(e.addr), e.port));
            s += &format!(
                "{:>4}: {:08X}:{:04X} {:08X}:{:04X} {:02X} {:08X}:{:08X} 00:00000000 00000000     0        0 0 1 0000000000000000 100 0 0 10 0\n",
                n,
                kernel_netlink::hex_le(la),
                lp,
                kernel_netlink::hex_le(ra),
                rp,
                state_code(state),
                t.send_queue(),
                t.recv_queue()
            );
            n += 1;
        }
    });
    s
}
