//! The baseline binaries are linked like the functions (position-dependent): see "Cold start"
//! in the README.
fn main() {
    println!("cargo::rustc-link-arg-bins=-no-pie");
}
