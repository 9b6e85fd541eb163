//! Tests of the line discipline and termios.
use super::*;

fn feed(ld: &mut LineDiscipline, s: &[u8]) -> Vec<u8> {
    let mut echo = Vec::new();
    for &b in s {
        echo.extend(ld.input(b).echo);
    }
    echo
}

#[test]
fn canonical_lines_with_echo_and_erase() {
    let mut ld = LineDiscipline::default();
    let echo = feed(&mut ld, b"ecx\x7fho hi\r");
    assert_eq!(echo, b"ecx\x08 \x08ho hi\n");
    assert!(ld.readable());
    let mut buf = [0u8; 64];
    let n = ld.read(&mut buf);
    assert_eq!(&buf[..n], b"echo hi\n");
    assert!(!ld.readable());
}

#[test]
fn partial_line_is_not_readable_and_lines_come_one_at_a_time() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"a\nb\nc");
    let mut buf = [0u8; 64];
    assert_eq!(ld.read(&mut buf), 2);
    assert_eq!(ld.read(&mut buf), 2);
    assert!(!ld.readable());
}

#[test]
fn echo_off_and_raw_mode() {
    let mut ld = LineDiscipline::default();
    ld.termios.lflag &= !ECHO;
    assert!(feed(&mut ld, b"secret\n").is_empty());
    ld.termios.lflag &= !ICANON;
    feed(&mut ld, b"x");
    let mut buf = [0u8; 64];
    let n = ld.read(&mut buf);
    assert_eq!(&buf[..n], b"secret\nx");
}

#[test]
fn ctrl_c_raises_sigint_and_drops_the_line() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"sleep 100");
    let fx = ld.input(0x03);
    assert_eq!(fx.signal, Some(Signal::Int));
    assert_eq!(fx.echo, b"^C\n");
    assert!(!ld.readable());
}

#[test]
fn eof_on_empty_line_reads_zero() {
    let mut ld = LineDiscipline::default();
    ld.input(0x04);
    assert!(ld.readable());
    let mut buf = [0u8; 8];
    assert_eq!(ld.read(&mut buf), 0);
    assert!(!ld.readable());
}

#[test]
fn raw_input_is_bounded_and_room_says_so() {
    let mut ld = LineDiscipline::default();
    ld.termios.lflag &= !(ICANON | ECHO);
    assert_eq!(ld.room(), INPUT_CAPACITY);
    feed(&mut ld, &[b'x'; INPUT_CAPACITY + 10]);
    assert_eq!(ld.pending(), INPUT_CAPACITY);
    assert_eq!(ld.room(), 0);
    let mut buf = [0u8; 100];
    assert_eq!(ld.read(&mut buf), 100);
    assert_eq!(ld.room(), 100);
}

#[test]
fn reserved_buffers_never_grow() {
    let mut ld = LineDiscipline::default();
    ld.try_reserve().unwrap();
    let (line, ready) = (ld.line.capacity(), ld.ready.capacity());
    feed(&mut ld, &[b'y'; 5000]);
    feed(&mut ld, b"\n");
    for _ in 0..4 {
        feed(&mut ld, &[b'z'; 1200]);
        feed(&mut ld, b"\n");
    }
    assert_eq!((ld.line.capacity(), ld.ready.capacity()), (line, ready));
    ld.termios.lflag &= !ICANON;
    feed(&mut ld, &[b'r'; 9000]);
    assert_eq!((ld.line.capacity(), ld.ready.capacity()), (line, ready));
}

#[test]
fn canonical_room_counts_the_line_being_edited() {
    let mut ld = LineDiscipline::default();
    feed(&mut ld, b"abc");
    assert_eq!(ld.room(), INPUT_CAPACITY - 3);
    feed(&mut ld, b"\n");
    assert_eq!(ld.room(), INPUT_CAPACITY - 4);
}

#[test]
fn word_erase_reprint_and_literal_next() {
    let mut ld = LineDiscipline::default();
    assert_eq!(feed(&mut ld, b"echo one two  \x17"), b"echo one two  \x08 \x08\x08 \x08\x08 \x08\x08 \x08\x08 \x08");
    assert_eq!(feed(&mut ld, b"\x12"), b"^R\necho one ");
    // ^V^C: a literal ETX in the line, no SIGINT; echoed as ^C.
    let mut echo = Vec::new();
    for &b in b"\x16\x03" {
        let fx = ld.input(b);
        assert_eq!(fx.signal, None);
        echo.extend(fx.echo);
    }
    assert_eq!(echo, b"^\x08^C");
    feed(&mut ld, b"\n");
    let mut buf = [0u8; 64];
    let n = ld.read(&mut buf);
    assert_eq!(&buf[..n], b"echo one \x03\n");
}

#[test]
fn a_disabled_control_character_is_an_ordinary_byte() {
    let mut ld = LineDiscipline::default();
    ld.termios.cc[VINTR] = 0;
    ld.termios.lflag &= !ICANON;
    assert_eq!(ld.input(0).signal, None);
    assert_eq!(ld.input(0x03).signal, None);
    assert_eq!(ld.pending(), 2);
}

#[test]
fn termios_round_trips_and_onlcr() {
    let t = Termios::default();
    assert_eq!(Termios::from_bytes(&t.to_bytes()), t);
    let ld = LineDiscipline::default();
    let mut out = Vec::new();
    ld.output(b"a\nb", &mut out);
    assert_eq!(out, b"a\r\nb");
}

#[test]
fn stop_and_start_characters_hold_output_and_are_not_input() {
    let mut ld = LineDiscipline::default();
    ld.termios.lflag &= !ICANON;
    ld.input(0x13);
    assert!(ld.stopped);
    ld.input(b'x');
    ld.input(0x11);
    assert!(!ld.stopped);
    assert_eq!(ld.pending(), 1, "only the x was input");
    // Without IXON they are ordinary bytes.
    ld.termios.iflag &= !IXON;
    ld.input(0x13);
    assert!(!ld.stopped);
    assert_eq!(ld.pending(), 2);
}
