//! Lambda binaries are linked position-dependent: see "Cold start" in the README.
fn main() {
    println!("cargo::rustc-link-arg-bins=-no-pie");
}
