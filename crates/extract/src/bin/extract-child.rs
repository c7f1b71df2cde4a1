//! `extract-child extract --json [--max-… N]… FILE`: the child side of
//! [`extract::extract_in_child`], as a stand-alone binary for tests and manual runs. The
//! service's own binary offers the same `extract` subcommand through [`extract::child_main`].

fn main() {
    std::process::exit(extract::child_main(std::env::args_os().skip(1)));
}
