//! `cargo xtask`: parse the command line and dispatch; the work lives in
//! `xtask::commands`.

use std::any::Any;
use std::panic;

use clap::Parser;

fn main() {
    let cli = xtask::cli::Cli::parse();
    // Rust ignores SIGPIPE, so `println!` to a closed pipe panics. That
    // panic is the one place a closed stdout is handled: quietly, after
    // unwinding (QEMU guards and scratch directories are dropped), with the
    // status a shell gives (141, `Exit::BrokenPipe`).
    let default_hook = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if !is_broken_pipe(info.payload()) {
            default_hook(info)
        }
    }));
    match panic::catch_unwind(|| xtask::commands::dispatch(cli)) {
        Ok(code) => std::process::exit(code),
        Err(payload) if is_broken_pipe(&*payload) => std::process::exit(xtask::error::Exit::BrokenPipe.code()),
        Err(payload) => panic::resume_unwind(payload),
    }
}

/// The panic of `print!`/`println!` when stdout is a closed pipe: "failed
/// printing to stdout: Broken pipe (os error 32)".
fn is_broken_pipe(payload: &(dyn Any + Send)) -> bool {
    let message = match (payload.downcast_ref::<String>(), payload.downcast_ref::<&str>()) {
        (Some(s), _) => s.as_str(),
        (None, Some(s)) => s,
        (None, None) => return false,
    };
    message.starts_with("failed printing to stdout") && message.ends_with(&format!("(os error {})", libc::EPIPE))
}
