#[picante::tracked]
fn double<DB: picante::HasRuntime>(db: &DB, n: u32) -> picante::PicanteResult<u32> {
    Ok(n * 2)
}

fn main() {}
