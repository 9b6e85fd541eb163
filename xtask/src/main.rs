//! `cargo xtask`: parse the command line and dispatch; the work lives in
//! `xtask::commands`.

use clap::Parser;

fn main() {
    let cli = xtask::cli::Cli::parse();
    std::process::exit(xtask::commands::dispatch(cli));
}
